#include "web/http_request.h"

namespace probebox {

Status parse_request_head(std::string_view head, HttpRequest& out) {
  out = HttpRequest{};
  size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return StatusCode::kInvalidArgument;
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || sp1 == 0) return StatusCode::kInvalidArgument;
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return StatusCode::kInvalidArgument;
  std::string_view method = line.substr(0, sp1);
  for (char c : method) {
    if (c < 'A' || c > 'Z') return StatusCode::kInvalidArgument;
  }
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target[0] != '/') return StatusCode::kInvalidArgument;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return StatusCode::kInvalidArgument;
  }
  size_t q = target.find('?');
  out.method = method;
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  return Status();
}

}  // namespace probebox
