#include "config/config_validators.h"

#include "core/ascii.h"
#include "core/civil_time.h"
#include "core/view.h"

namespace probebox {

bool is_valid_check_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char ch : id) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_hostname(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t k = 0; k <= host.size(); ++k) {
    if (k == host.size() || host[k] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[k - 1] == '-' || host[k - label] == '-') return false;
      label = 0;
      continue;
    }
    char ch = host[k];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '*';
    if (!ok) return false;
    ++label;
  }
  return true;
}

bool parse_ipv4(std::string_view text, uint32_t& out) {
  uint32_t value = 0;
  int parts = 0;
  size_t k = 0;
  while (parts < 4) {
    if (k >= text.size() || text[k] < '0' || text[k] > '9') return false;
    uint32_t part = 0;
    size_t digits = 0;
    while (k < text.size() && text[k] >= '0' && text[k] <= '9') {
      part = part * 10 + static_cast<uint32_t>(text[k] - '0');
      if (++digits > 3 || part > 255) return false;
      ++k;
    }
    if (digits > 1 && text[k - digits] == '0') return false;  // no octal-looking parts
    value = value << 8 | part;
    if (++parts < 4) {
      if (k >= text.size() || text[k] != '.') return false;
      ++k;
    }
  }
  if (k != text.size()) return false;
  out = value;
  return true;
}

bool parse_iso8601_utc(std::string_view s, int64_t& out) {
  // Exactly YYYY-MM-DDTHH:MM:SSZ.
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  auto num = [&](size_t at, size_t len, int& v) { return read_decimal_field(s, at, len, v); };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 ||
      mi > 59 || se > 59) {
    return false;
  }
  out = unix_seconds_from_civil(y, mo, d, h, mi, se);
  return true;
}

bool is_valid_mail_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || address.size() > 254) return false;
  std::string_view local(address.data(), at);
  std::string_view domain(address.data() + at + 1, address.size() - at - 1);
  // dot-atom: atext runs separated by single dots (RFC 5322 section 3.2.3).
  static constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";
  char previous = '.';
  for (char ch : local) {
    bool atext = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 kAtextSpecials.find(ch) != std::string_view::npos;
    if (!atext && !(ch == '.' && previous != '.')) return false;
    previous = ch;
  }
  if (previous == '.') return false;
  return domain.find('*') == std::string_view::npos && domain.find('_') == std::string_view::npos &&
         is_valid_hostname(domain);
}

bool split_host_port(std::string_view text, std::string_view& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    host = text;
    return !host.empty();
  }
  host = first(text, colon);
  std::string_view digits = after(text, colon + 1);
  if (host.empty() || digits.empty() || digits.size() > 5) return false;
  uint32_t p = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return false;
    p = p * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (p < 1 || p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

}  // namespace probebox
