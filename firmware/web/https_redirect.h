// The pure parts of serving the web UI over HTTPS: where a plain-HTTP request is
// sent (301 to the same path on https), what stays on plain HTTP, and the session
// cookie's attributes.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/text.h"

namespace probebox {

// "https://<host>[:<https_port>]<path>[?<query>]". The host is the request's Host
// without its port when it is a plain name or IPv4 literal (letters, digits, '-',
// '.'), else the box's address (`fallback_ipv4`, host order); the port is left
// out when it is 443. False (nothing written) when the path is not an absolute
// path of visible ASCII, or the query is not visible ASCII.
bool https_location(std::string_view host_header, std::string_view path, std::string_view query,
                    uint16_t https_port, uint32_t fallback_ipv4, TextBuffer& out);

// Paths still answered on plain HTTP when HTTPS is on: the open, read-only ones a
// monitoring system scrapes (/healthz, /metrics). Everything else is redirected.
bool served_over_plain_http(std::string_view path);

// The Set-Cookie header line (CRLF included) for the session cookie: HttpOnly,
// SameSite=Strict, Path=/, and Secure when the session was made over HTTPS;
// `expire` clears it (Max-Age=0).
void session_cookie_header(std::string_view name, std::string_view value, bool secure, bool expire, TextBuffer& out);

}  // namespace probebox
