// libFuzzer: the config parser and validator (with the appliance profile), and the
// masked view of whatever it accepted.
#include <cstdint>
#include <cstddef>
#include <memory>

#include "config/config_parser.h"
#include "config/config_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto config = std::make_unique<probebox::Config>();
  static probebox::ConfigErrors errors;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (probebox::parse_config(text, *config, errors).ok()) {
    static probebox::FixedText<PROBEBOX_MAX_CONFIG_BYTES + 1024> masked;
    masked.clear();
    probebox::write_masked_config(text, masked);
  }
  return 0;
}
