// libFuzzer: the DNS response parser against any bytes, as the answer to the probe's
// own query (its id, "manage.lab.test" with and without the final dot, A, AAAA and
// another type) and once with another id; the rcode's name; and a query built for
// the CNAME it found, into a buffer of a size the input chooses.
#include <cstdint>
#include <cstddef>

#include "protocols/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  probebox::dns::DnsAnswer answer;
  uint16_t id = size >= 2 ? static_cast<uint16_t>(data[0] << 8 | data[1]) : 0;
  struct Question {
    const char* name;
    uint16_t qtype;
  };
  for (Question q : {Question{"manage.lab.test", probebox::dns::kTypeA},
                     Question{"manage.lab.test.", probebox::dns::kTypeAaaa}, Question{"manage.lab.test", 16}}) {
    (void)probebox::dns::parse_response({data, size}, id, q.name, q.qtype, answer);  // a refusal is fine
    if (answer.address_count > probebox::dns::kMaxAddresses) __builtin_trap();
    probebox::FixedText<48> text;
    for (uint8_t i = 0; i < answer.address_count; ++i) probebox::dns::format_address(answer.addresses[i], text);
    uint8_t query[300];
    size_t room = size > 0 && data[size - 1] < 16 ? 12 + data[size - 1] : sizeof(query);
    (void)probebox::dns::build_query({query, room}, id, answer.cname.view(), q.qtype);
  }
  (void)probebox::dns::parse_response({data, size}, static_cast<uint16_t>(id ^ 0x5A5A), "manage.lab.test",
                                      probebox::dns::kTypeA, answer);
  (void)probebox::dns::rcode_name(size > 3 ? data[3] : 0);
  return 0;
}
