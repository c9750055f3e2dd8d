#include "config/config_errors.h"

#include <cstring>

#include "core/view.h"

namespace probebox {

void ConfigErrors::add(std::string_view path, std::string_view message) {
  if (aside_) {
    ++aside_total_;
    return;
  }
  path = first(path, kMaxPath);
  message = first(message, kMaxMessage);
  const size_t need = path.size() + 1 + message.size() + 1;
  if (count_ == kMaxErrors || need > kStoreBytes - used_) {
    ++dropped_;
    return;
  }
  // A NUL inside a text (a key may hold one) would end it early: it shows as '?'.
  char* at = store_.data() + used_;
  for (char c : path) *at++ = c == '\0' ? '?' : c;
  *at++ = '\0';
  for (char c : message) *at++ = c == '\0' ? '?' : c;
  *at = '\0';
  used_ = static_cast<uint16_t>(used_ + need);
  ++count_;
}

ConfigError ConfigErrors::at(size_t i) const {
  size_t pos = 0;
  auto next_text = [&] {
    const char* s = store_.data() + pos;
    size_t n = std::strlen(s);
    pos += n + 1;
    return ConfigErrorText{{s, n}};
  };
  ConfigError e{{{"", 0}}, {{"", 0}}};
  for (size_t k = 0; k <= i && k < count(); ++k) {
    e.path = next_text();
    e.message = next_text();
  }
  return e;
}

void ConfigErrors::render(TextBuffer& out) const {
  size_t pos = 0;
  for (size_t i = 0; i < count(); ++i) {
    const char* path = store_.data() + pos;
    pos += std::strlen(path) + 1;
    const char* message = store_.data() + pos;
    pos += std::strlen(message) + 1;
    out.append(path);
    out.append(": ");
    out.append(message);
    out.append('\n');
  }
  const size_t more = total() - count();
  if (more > 0) out.appendf("(and %u more)\n", static_cast<unsigned>(more));
}

}  // namespace probebox
