#include "config/config_errors.h"

namespace probebox {

void ConfigErrors::add(std::string_view path, std::string_view message) {
  if (count_ == kMaxErrors) {
    ++dropped_;
    return;
  }
  errors_[count_].path.assign(path);
  errors_[count_].message.assign(message);
  ++count_;
}

void ConfigErrors::render(TextBuffer& out) const {
  for (size_t i = 0; i < count_; ++i) {
    out.append(errors_[i].path.view());
    out.append(": ");
    out.append(errors_[i].message.view());
    out.append('\n');
  }
  if (dropped_ > 0) out.appendf("(and %u more)\n", static_cast<unsigned>(dropped_));
}

}  // namespace probebox
