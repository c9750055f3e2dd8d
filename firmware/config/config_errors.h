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
  size_t count() const { return aside_ ? 0 : count_; }
  // Including those not kept.
  size_t total() const { return aside_ ? aside_total_ : count_ + dropped_; }
  // Error i < count(), a view into the store (valid until the next add() or clear()).
  ConfigError at(size_t i) const;
  bool empty() const { return total() == 0; }
  void clear() {
    if (aside_) {
      aside_total_ = 0;
      return;
    }
    count_ = 0;
    dropped_ = 0;
    used_ = 0;
  }

  // While one lives, the errors kept so far are set aside, untouched, and the
  // object is an empty list that only counts (a store of none): for a parse whose
  // errors nobody reads (the running text read back after a rejected PUT, which
  // never has any) without a second store in RAM. They are back when it ends.
  class Aside {
   public:
    explicit Aside(ConfigErrors& e) : e_(e) {
      e_.aside_ = true;
      e_.aside_total_ = 0;
    }
    ~Aside() { e_.aside_ = false; }
    Aside(const Aside&) = delete;
    Aside& operator=(const Aside&) = delete;

   private:
    ConfigErrors& e_;
  };
  // "path: message" lines, one per error.
  void render(TextBuffer& out) const;

 private:
  std::array<char, kStoreBytes> store_;  // "path\0message\0" per error
  uint16_t used_ = 0;
  uint16_t count_ = 0;
  uint16_t dropped_ = 0;
  uint16_t aside_total_ = 0;
  bool aside_ = false;
};

}  // namespace probebox
