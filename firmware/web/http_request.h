// The request head of the box's own web server, parsed purely: the request line
// (method, target split into path and query) and nothing the server does not use.
// Bounded by the server's head buffer; a malformed line is an error, never a guess.
#pragma once
#include <string_view>

#include "core/status.h"

namespace probebox {

struct HttpRequest {
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view query;
};

// `head` is the bytes up to and including the blank line.
Status parse_request_head(std::string_view head, HttpRequest& out);

}  // namespace probebox
