// ASCII case folding and fixed-width decimal fields, for the texts the protocols
// define as ASCII: HTTP header names and tokens, DNS and certificate names, dates.
// Not <cctype>: its tolower follows the C locale, and these comparisons must not.
// Each parser had its own copy of these few lines; one copy is one behaviour.
#pragma once
#include <cstddef>
#include <string_view>

namespace probebox {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

constexpr bool has_prefix_ignore_case(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && equals_ignore_case(std::string_view(s.data(), prefix.size()), prefix);
}

// `s` without the spaces and tabs around it (HTTP's optional whitespace).
constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated list of HTTP tokens (a Connection header's value) holds
// `token`, case-insensitively, blanks around each ignored.
constexpr bool list_has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = comma == std::string_view::npos ? list : std::string_view(list.data(), comma);
    if (equals_ignore_case(trim_blanks(item), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The `len` characters of `s` from `at`, all decimal digits, as a number in `out`
// (len up to 9, so any value fits an int). False, and `out` unspecified, when the
// field runs past the end or holds anything but a digit.
constexpr bool read_decimal_field(std::string_view s, size_t at, size_t len, int& out) noexcept {
  if (len == 0 || len > 9 || at > s.size() || s.size() - at < len) return false;
  out = 0;
  for (size_t k = at; k < at + len; ++k) {
    if (s[k] < '0' || s[k] > '9') return false;
    out = out * 10 + (s[k] - '0');
  }
  return true;
}

}  // namespace probebox
