// libFuzzer: the config parser and validator (with the appliance profile), the
// masked view of whatever it accepted, and the PUT path that puts secrets back
// (with its target comparison) for any input.
#include <cstdint>
#include <cstddef>
#include <memory>

#include "config/config_parser.h"
#include "config/config_errors.h"
#include "config/config_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto config = std::make_unique<probebox::Config>();
  static probebox::ConfigErrors errors;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static probebox::FixedText<PROBEBOX_MAX_CONFIG_BYTES + 1024> masked;
  static probebox::FixedText<PROBEBOX_MAX_CONFIG_BYTES + 1024> restored;
  if (probebox::parse_config(text, *config, errors).ok()) {
    masked.clear();
    (void)probebox::write_masked_config(text, masked);  // only surviving the input matters here
    // The PUT path: the masked view sent back against the stored document.
    restored.clear();
    (void)probebox::restore_secrets(masked.view(), text, restored, errors);
  }
  // Any input as a PUT against a stored document with secrets (targets compared).
  static constexpr std::string_view kStored =
      R"({"schema":1,"checks":[{"id":"smtp","type":"smtp","host":"10.0.2.2","port":2525,"username":"u","password":"p"}],)"
      R"("appliance":{"name":"a","nodes":["192.0.2.11"],"smtp":{"host":"192.0.2.25","password":"q"},"health_api_key":"k"}})";
  restored.clear();
  errors.clear();
  (void)probebox::restore_secrets(text, kStored, restored, errors);
  return 0;
}
