// libFuzzer: the SMTP reply parser, reply after reply, as a relay would send them.
#include <cstdint>
#include <cstddef>

#include "protocols/smtp_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  probebox::smtp::ReplyParser parser;
  std::span<const uint8_t> rest(data, size);
  for (int replies = 0; replies < 64 && !rest.empty(); ++replies) {
    size_t used = 0;
    if (!parser.feed(rest, used).ok()) return 0;
    if (used == 0 && !parser.done()) return 0;
    rest = rest.subspan(used);
    if (parser.done()) parser.reset();
  }
  return 0;
}
