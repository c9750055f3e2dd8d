#include "web/https_redirect.h"

namespace probebox {
namespace {

bool visible_ascii(std::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

bool plain_host(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool https_location(std::string_view host_header, std::string_view path, std::string_view query,
                    uint16_t https_port, uint32_t fallback_ipv4, TextBuffer& out) {
  if (path.empty() || path.front() != '/' || !visible_ascii(path) || !visible_ascii(query)) return false;
  std::string_view name = host_header;
  size_t colon = name.find(':');
  if (colon != std::string_view::npos) name = std::string_view(name.data(), colon);
  out.append("https://");
  if (plain_host(name)) {
    out.append(name);
  } else {
    out.appendf("%u.%u.%u.%u", static_cast<unsigned>(fallback_ipv4 >> 24), static_cast<unsigned>(fallback_ipv4 >> 16 & 0xFF),
                static_cast<unsigned>(fallback_ipv4 >> 8 & 0xFF), static_cast<unsigned>(fallback_ipv4 & 0xFF));
  }
  if (https_port != 443) out.appendf(":%u", static_cast<unsigned>(https_port));
  out.append(path);
  if (!query.empty()) {
    out.append('?');
    out.append(query);
  }
  return true;
}

bool served_over_plain_http(std::string_view path) { return path == "/healthz" || path == "/metrics"; }

void session_cookie_header(std::string_view name, std::string_view value, bool secure, bool expire, TextBuffer& out) {
  out.appendf("Set-Cookie: %.*s=%.*s; Path=/; HttpOnly; SameSite=Strict", static_cast<int>(name.size()), name.data(),
              static_cast<int>(value.size()), value.data());
  if (secure) out.append("; Secure");
  if (expire) out.append("; Max-Age=0");
  out.append("\r\n");
}

}  // namespace probebox
