// Streaming JSON writer into a bounded TextBuffer. It inserts commas itself and
// escapes strings; nesting is bounded by kMaxDepth. Overflow is sticky in the buffer.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/text.h"

namespace probebox {

class JsonWriter {
 public:
  static constexpr int kMaxDepth = 12;
  explicit JsonWriter(TextBuffer& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& integer(int64_t v);
  JsonWriter& number(double v, int decimals);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // A pre-rendered JSON value (e.g. a probe's details object).
  JsonWriter& raw(std::string_view json);

  // Shorthands for "key": value.
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& field_int(std::string_view k, int64_t v) { return key(k).integer(v); }
  JsonWriter& field_bool(std::string_view k, bool v) { return key(k).boolean(v); }
  JsonWriter& field_null(std::string_view k);

  // TextBuffer::next_part() for a value of the array or object being written: a part
  // skipped still counts as a value written (the next one follows a comma).
  bool next_part() {
    if (out_.next_part()) return true;
    need_comma_[depth_] = true;
    return false;
  }

  // Characters written so far (a document streamed in a window counts them all).
  size_t written() const { return out_.appended(); }
  bool failed() const { return out_.overflowed() || depth_error_; }

 private:
  void before_value();
  TextBuffer& out_;
  int depth_ = 0;
  bool depth_error_ = false;
  bool need_comma_[kMaxDepth + 1] = {};
  bool after_key_ = false;
};

}  // namespace probebox
