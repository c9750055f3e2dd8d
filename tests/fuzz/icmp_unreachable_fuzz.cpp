// libFuzzer: the ICMP destination-unreachable parser against any datagram a raw pcb
// could be handed (anyone on the path can send one), then the code's name and
// meaning for whatever code it read.
#include <cstdint>
#include <cstddef>

#include "protocols/icmp_unreachable.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  probebox::icmp::Unreachable message;
  if (!probebox::icmp::parse_unreachable({data, size}, message).ok()) return 0;
  // An accepted message holds an outer IPv4 header, the ICMP header, a quoted IPv4
  // header and the quoted TCP ports and sequence number.
  if (size < 20 + 8 + 20 + 8) __builtin_trap();
  if (probebox::icmp::code_name(message.code)[0] == '\0') __builtin_trap();
  (void)probebox::icmp::proves_no_path(message.code);
  return 0;
}
