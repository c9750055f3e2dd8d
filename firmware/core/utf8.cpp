#include "core/utf8.h"

#include <cstddef>
#include <cstdint>

namespace probebox {

bool is_valid_utf8(std::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  auto continuation = [&](size_t k) { return k < n && (byte(k) & 0xC0) == 0x80; };
  while (i < n) {
    uint8_t b = byte(i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    // The second byte's range is what rules out overlongs, surrogates and
    // code points past U+10FFFF (RFC 3629 section 4).
    uint8_t lo = 0x80, hi = 0xBF;
    size_t length;
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      length = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      length = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;  // C0, C1 (overlong lead bytes), F5..FF, or a stray continuation byte
    }
    if (i + 1 >= n || byte(i + 1) < lo || byte(i + 1) > hi) return false;
    for (size_t k = 2; k < length; ++k) {
      if (!continuation(i + k)) return false;
    }
    i += length;
  }
  return true;
}

bool has_control_character(std::string_view text, bool allow_line_breaks) {
  for (size_t i = 0; i < text.size(); ++i) {
    uint8_t b = static_cast<uint8_t>(text[i]);
    if (b < 0x20) {
      if (allow_line_breaks && (b == '\r' || b == '\n')) continue;
      return true;
    }
    if (b == 0x7F) return true;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (b == 0xC2 && i + 1 < text.size() && static_cast<uint8_t>(text[i + 1]) >= 0x80 &&
        static_cast<uint8_t>(text[i + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

}  // namespace probebox
