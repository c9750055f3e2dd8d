#include "core/json_string.h"

#include <cstdint>

namespace probebox {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(std::string_view in, size_t at, uint32_t& value) {
  if (at + 4 > in.size()) return false;
  value = 0;
  for (size_t i = 0; i < 4; ++i) {
    int h = hex_value(in[at + i]);
    if (h < 0) return false;
    value = value << 4 | static_cast<uint32_t>(h);
  }
  return true;
}

bool put_utf8(uint32_t cp, char* out, size_t cap, size_t& n) {
  char buf[4];
  size_t len;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    len = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | cp >> 6);
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | cp >> 12);
    buf[1] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | cp >> 18);
    buf[1] = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 4;
  }
  if (n + len > cap) return false;
  for (size_t i = 0; i < len; ++i) out[n++] = buf[i];
  return true;
}

}  // namespace

bool json_unescape(std::string_view in, char* out, size_t cap, size_t& out_len) {
  size_t n = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      if (n >= cap) return false;
      out[n++] = c;
      continue;
    }
    if (++i >= in.size()) return false;
    char e = in[i];
    char simple = 0;
    switch (e) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!read_hex4(in, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (i + 2 >= in.size() || in[i + 1] != '\\' || in[i + 2] != 'u' ||
              !read_hex4(in, i + 3, low) || low < 0xDC00 || low > 0xDFFF) {
            return false;
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        if (cp == 0) return false;  // an embedded NUL would cut every C consumer short
        if (!put_utf8(cp, out, cap, n)) return false;
        continue;
      }
      default:
        return false;
    }
    if (n >= cap) return false;
    out[n++] = simple;
  }
  out_len = n;
  return true;
}

}  // namespace probebox
