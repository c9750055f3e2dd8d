// Every problem found in a config document, each with the JSON path it concerns
// (`checks[3].port: must be 1..65535`), so an operator fixes them all in one go.
// The texts are packed in one small store (about twenty typical errors); the ones
// past it are counted, and shown as "(and N more)".
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "core/text.h"

namespace probebox {

// One text of an error, NUL-terminated in the store.
struct ConfigErrorText {
  std::string_view text;
  std::string_view view() const { return text; }
  const char* c_str() const { return text.data(); }
  const char* data() const { return text.data(); }
  size_t size() const { return text.size(); }
  bool empty() const { return text.empty(); }
};

struct ConfigError {
  ConfigErrorText path;
  ConfigErrorText message;
};

class ConfigErrors {
 public:
  static constexpr size_t kMaxErrors = 24;
  static constexpr size_t kMaxPath = 80;      // longer paths and messages are cut
  static constexpr size_t kMaxMessage = 120;
  static constexpr size_t kStoreBytes = 1152;  // 24 errors of 48 bytes

  void add(std::string_view path, std::string_view message);
  size_t count() const { return count_; }
  size_t total() const { return count_ + dropped_; }  // including those not kept
  // Error i < count(), a view into the store (valid until the next add() or clear()).
  ConfigError at(size_t i) const;
  bool empty() const { return total() == 0; }
  void clear() {
    count_ = 0;
    dropped_ = 0;
    used_ = 0;
  }
  // "path: message" lines, one per error.
  void render(TextBuffer& out) const;

 private:
  std::array<char, kStoreBytes> store_;  // "path\0message\0" per error
  uint16_t used_ = 0;
  uint16_t count_ = 0;
  uint16_t dropped_ = 0;
};

}  // namespace probebox
