#include "core/json_writer.h"

namespace probebox {

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (need_comma_[depth_]) out_.append(',');
  need_comma_[depth_] = true;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.append('{');
  if (depth_ == kMaxDepth) { depth_error_ = true; return *this; }
  need_comma_[++depth_] = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.append('}');
  if (depth_ > 0) --depth_;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.append('[');
  if (depth_ == kMaxDepth) { depth_error_ = true; return *this; }
  need_comma_[++depth_] = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.append(']');
  if (depth_ > 0) --depth_;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  string(k);
  out_.append(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  out_.append('"');
  static const char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char esc[7] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15], 0};
          out_.append(esc);
        } else {
          out_.append(static_cast<char>(c));
        }
    }
  }
  out_.append('"');
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  out_.append_int(v);
  return *this;
}

JsonWriter& JsonWriter::number(double v, int decimals) {
  before_value();
  out_.append_fixed(v, decimals);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

JsonWriter& JsonWriter::field_null(std::string_view k) { return key(k).null(); }

}  // namespace probebox
