// libFuzzer: what an attacker on the LAN controls of a request to the box's web
// server — the head (request line and headers), the cookie, and a body as the small
// API calls and PUT /api/config read it (JSON members; secrets put back from the
// stored config), and the masked view GET /api/config would give of it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_errors.h"
#include "config/config_view.h"
#include "core/text.h"
#include "web/http_request.h"
#include "web/json_body.h"

namespace {
constexpr std::string_view kStored =
    R"({"schema":1,"checks":[{"id":"relay","type":"smtp","host":"10.0.2.2","port":2525,"username":"u","password":"p"}],)"
    R"("appliance":{"health_api_key":"k"}})";
probebox::FixedText<70 * 1024> g_restored;
probebox::FixedText<70 * 1024> g_masked;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  probebox::HttpRequest request;
  std::string_view head = input.substr(0, 2048);  // the server's head buffer
  if (probebox::parse_request_head(head, request).ok()) {
    if (request.path.empty() || request.path[0] != '/') __builtin_trap();
    if (request.head_length > head.size()) __builtin_trap();
    (void)probebox::cookie_value(request.cookie, "pb_session");
    std::string_view body = input.substr(request.head_length);
    probebox::FixedText<65> a, b;
    probebox::FixedText<120> error;
    probebox::JsonStringField fields[] = {{"current", &a}, {"new", &b, false}};
    (void)probebox::read_string_fields(body, fields, error);
    probebox::ConfigErrors errors;
    g_restored.clear();
    if (probebox::restore_secrets(body, kStored, g_restored, errors).ok() && g_restored.size() > body.size() + 64) {
      __builtin_trap();  // only placeholders grow, by a stored secret each
    }
    g_masked.clear();
    (void)probebox::write_masked_config(body, g_masked);  // what GET /api/config would show of it
  }
  return 0;
}
