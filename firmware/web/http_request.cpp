#include "web/http_request.h"

#include "core/ascii.h"
#include "core/view.h"

namespace probebox {
namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
         c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
}

Status parse_request_line(std::string_view line, HttpRequest& out) {
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || sp1 == 0) return StatusCode::kInvalidArgument;
  std::string_view version = after(line, sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return StatusCode::kInvalidArgument;
  out.http10 = version == "HTTP/1.0";
  std::string_view method = first(line, sp1);
  for (char c : method) {
    if (c < 'A' || c > 'Z') return StatusCode::kInvalidArgument;
  }
  std::string_view target = slice(line, sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target[0] != '/') return StatusCode::kInvalidArgument;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7F) {
      return StatusCode::kInvalidArgument;
    }
  }
  size_t q = target.find('?');
  out.method = method;
  out.path = first(target, q);
  out.query = q == std::string_view::npos ? std::string_view() : after(target, q + 1);
  return Status();
}

}  // namespace

Status parse_request_head(std::string_view head, HttpRequest& out) {
  out = HttpRequest{};
  size_t end = head.find("\r\n\r\n");
  if (end == std::string_view::npos) return StatusCode::kInvalidArgument;
  out.head_length = end + 4;
  std::string_view rest = first(head, end + 2);
  size_t line_end = rest.find("\r\n");
  if (Status s = parse_request_line(first(rest, line_end), out); !s.ok()) return s;
  rest.remove_prefix(line_end + 2);
  while (!rest.empty()) {
    line_end = rest.find("\r\n");
    std::string_view line = first(rest, line_end);
    rest.remove_prefix(line_end + 2);
    // A bare LF or a control byte inside a header could smuggle a second header past
    // a proxy; refuse rather than interpret.
    for (char c : line) {
      if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7F) return StatusCode::kInvalidArgument;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return StatusCode::kInvalidArgument;
    std::string_view name = first(line, colon);
    for (char c : name) {
      if (!is_token_char(c)) return StatusCode::kInvalidArgument;
    }
    std::string_view value = trim_blanks(after(line, colon + 1));
    if (equals_ignore_case(name, "Content-Length")) {
      if (out.has_content_length || value.empty() || value.size() > 9) return StatusCode::kInvalidArgument;
      size_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return StatusCode::kInvalidArgument;
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      out.has_content_length = true;
      out.content_length = n;
    } else if (equals_ignore_case(name, "Transfer-Encoding")) {
      out.chunked = true;  // any transfer coding: the server only takes Content-Length
    } else if (equals_ignore_case(name, "Cookie")) {
      out.cookie = value;
    } else if (equals_ignore_case(name, "X-CSRF-Token")) {
      out.csrf_token = value;
    } else if (equals_ignore_case(name, "Content-Type")) {
      out.content_type = value;
    } else if (equals_ignore_case(name, "Host")) {
      if (out.has_host) return StatusCode::kInvalidArgument;
      out.has_host = true;
      out.host = value;
    } else if (equals_ignore_case(name, "Origin")) {
      if (out.has_origin) return StatusCode::kInvalidArgument;
      out.has_origin = true;
      out.origin = value;
    } else if (equals_ignore_case(name, "Connection")) {
      out.connection_close = list_has_token(value, "close");
      out.connection_keep_alive = list_has_token(value, "keep-alive");
    }
  }
  return Status();
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = trim_blanks(first(header, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && first(pair, eq) == name) return after(pair, eq + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace probebox
