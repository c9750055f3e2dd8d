// libFuzzer: the box's own web server's request-head parser (an attacker's input).
#include <cstdint>
#include <cstddef>
#include <string_view>

#include "web/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  probebox::HttpRequest request;
  if (size > 2048) return 0;  // the server's head buffer
  if (probebox::parse_request_head({reinterpret_cast<const char*>(data), size}, request).ok()) {
    if (request.path.empty() || request.path[0] != '/') __builtin_trap();
  }
  return 0;
}
