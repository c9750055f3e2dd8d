// Every problem found in a config document, each with the JSON path it concerns
// (`checks[3].port: must be 1..65535`), so an operator fixes them all in one go.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "core/text.h"

namespace probebox {

struct ConfigError {
  FixedText<80> path;
  FixedText<120> message;
};

class ConfigErrors {
 public:
  static constexpr size_t kMaxErrors = 24;

  void add(std::string_view path, std::string_view message);
  size_t count() const { return count_; }
  size_t total() const { return count_ + dropped_; }  // including those not kept
  const ConfigError& at(size_t i) const { return errors_[i]; }
  bool empty() const { return total() == 0; }
  void clear() { count_ = 0; dropped_ = 0; }
  // "path: message" lines, one per error.
  void render(TextBuffer& out) const;

 private:
  std::array<ConfigError, kMaxErrors> errors_{};
  size_t count_ = 0;
  size_t dropped_ = 0;
};

}  // namespace probebox
