// libFuzzer: the SMTP reply parser, reply after reply, as a relay would send them;
// then the AUTH PLAIN line built from the input's first two words (user, password).
#include <cstdint>
#include <cstddef>
#include <string_view>

#include "core/text.h"
#include "protocols/smtp_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t sp = all.find(' ');
  std::string_view user = all.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : all.substr(sp + 1);
  std::string_view password = rest.substr(0, rest.find(' '));
  probebox::FixedText<400> line;
  (void)probebox::smtp::auth_plain_response(user, password, line);

  probebox::smtp::ReplyParser parser;
  std::span<const uint8_t> replies(data, size);
  for (int n = 0; n < 64 && !replies.empty(); ++n) {
    size_t used = 0;
    if (!parser.feed(replies, used).ok()) return 0;
    if (used == 0 && !parser.done()) return 0;
    replies = replies.subspan(used);
    if (parser.auth_mechanisms().size() > 96) __builtin_trap();
    if (parser.done()) parser.reset();
  }
  return 0;
}
