// libFuzzer: the DNS response parser against any bytes (the probe's own id and question).
#include <cstdint>
#include <cstddef>

#include "protocols/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  probebox::dns::DnsAnswer answer;
  uint16_t id = size >= 2 ? static_cast<uint16_t>(data[0] << 8 | data[1]) : 0;
  for (uint16_t qtype : {probebox::dns::kTypeA, probebox::dns::kTypeAaaa}) {
    probebox::dns::parse_response({data, size}, id, "manage.lab.test", qtype, answer);
    if (answer.address_count > probebox::dns::kMaxAddresses) __builtin_trap();
    probebox::FixedText<48> text;
    for (uint8_t i = 0; i < answer.address_count; ++i) probebox::dns::format_address(answer.addresses[i], text);
  }
  return 0;
}
