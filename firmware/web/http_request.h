// The request head of the box's own web server, parsed purely: the request line
// (method, target split into path and query) and the few headers the server acts on.
// Bounded by the server's head buffer; a malformed line is an error, never a guess.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"

namespace probebox {

struct HttpRequest {
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view query;
  bool http10 = false;
  // Headers the server uses; the rest are skipped.
  std::string_view cookie;
  std::string_view csrf_token;     // X-CSRF-Token
  std::string_view content_type;
  std::string_view origin;
  std::string_view host;           // Host (a second one is malformed)
  bool has_host = false;
  bool has_origin = false;
  bool has_content_length = false;
  size_t content_length = 0;
  bool chunked = false;            // Transfer-Encoding: chunked (refused: 411)
  bool connection_close = false;
  bool connection_keep_alive = false;
  size_t head_length = 0;          // bytes up to and including the blank line
  std::string_view body;           // filled in by the server once it has arrived
  // The body went to the handler as it arrived (HttpHandler::stream_body()), not
  // into `body`, which is then empty: the handler knows where it put it.
  bool body_streamed = false;
  uint32_t remote_ipv4 = 0;        // host order; 0 when unknown
  uint32_t local_ipv4 = 0;         // the box's address the client reached; 0 when unknown
  bool secure = false;             // it arrived over TLS (set by the server)
};

// `head` holds at least the bytes up to and including the blank line (more may
// follow: the start of the body). kInvalidArgument on anything malformed,
// including a duplicate or unparsable Content-Length, a second Host and bare LF
// line ends.
Status parse_request_head(std::string_view head, HttpRequest& out);

// Value of cookie `name` in a Cookie header ("a=1; b=2"), empty when absent.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace probebox
