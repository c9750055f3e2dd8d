// A pull reader over JSON text, written by hand for the config (no token array):
// a value is named by the offset of its first byte in the text, and everything is
// read from the text itself when asked. validate() checks a document once (RFC 8259
// grammar, nesting bounded by kMaxDepth, no allocation); every other function here
// assumes text that passed it. Members and elements are walked with Items, and the
// whole tree with for_each_member(), whose frame stack is bounded by kMaxDepth.
//
// Strings are checked for their escapes only: a raw control character or a byte of
// bad UTF-8 inside one passes here, so the reader of the value can reject it with
// the value's path (config_json_walker.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace probebox::json {

enum class Kind : uint8_t { kNone, kObject, kArray, kString, kPrimitive };

// Objects and arrays nested deeper than this are an error (a config needs 4).
inline constexpr int kMaxDepth = 16;
// Keys and values in one document (a 64 KiB config of 128 checks has about 1,000):
// the bound keeps the duplicate-key check, quadratic in an object's members, short.
inline constexpr size_t kMaxValues = 4096;

struct Syntax {
  enum class Problem : uint8_t { kNone, kInvalid, kTrailing, kTooDeep, kTooMany };
  Problem problem = Problem::kNone;
  size_t at = 0;  // the byte the problem was found at
  size_t root = 0;  // the document's value, when there is no problem
  bool ok() const { return problem == Problem::kNone; }
};

// One JSON value with only whitespace around it.
Syntax validate(std::string_view text);

size_t skip_space(std::string_view text, size_t at);
// The kind of the value starting at `at` (kNone past the text or on anything else).
Kind kind_at(std::string_view text, size_t at);
// One past the value starting at `at`.
size_t end_of(std::string_view text, size_t at);
// A string's text between its quotes (still escaped); a primitive's text; a
// container's whole text.
std::string_view raw_at(std::string_view text, size_t at);

// The members of an object, or the elements of an array, in order:
//   Items it(text, at); while (it.next()) { it.key(); it.value_at(); }
class Items {
 public:
  Items() = default;
  Items(std::string_view text, size_t at);

  bool next();
  bool object() const { return object_; }
  size_t at() const { return at_; }
  // The member's key, or the element's index, and the value's offset.
  size_t key_at() const { return key_at_; }
  std::string_view key() const { return raw_at(text_, key_at_); }
  size_t index() const { return index_ - 1; }
  size_t value_at() const { return value_at_; }
  // For a walk that read the current value through to its end itself: where it
  // ended, so next() does not scan it again.
  void resume_at(size_t after_value) { resume_ = after_value; }
  // After next() returned false: one past the closing bracket.
  size_t end() const { return pos_; }

 private:
  std::string_view text_;
  size_t at_ = 0;
  size_t pos_ = 0;
  size_t key_at_ = 0;
  size_t value_at_ = 0;
  size_t resume_ = 0;
  size_t index_ = 0;
  bool object_ = false;
  bool done_ = true;
};

// Every object member of the document, depth first in document order:
// fn(frames, depth, key_at, value_at), where frames[0..depth) are the containers
// from the root down to the object holding the key (frames[depth - 1]), each at
// its current member or element.
template <typename Fn>
void for_each_member(std::string_view text, size_t root, Fn&& fn) {
  Items frames[kMaxDepth];
  int depth = 0;
  Kind k = kind_at(text, root);
  if (k != Kind::kObject && k != Kind::kArray) return;
  frames[depth++] = Items(text, root);
  while (depth > 0) {
    Items& it = frames[depth - 1];
    if (!it.next()) {
      size_t end = it.end();
      if (--depth > 0) frames[depth - 1].resume_at(end);
      continue;
    }
    if (it.object()) fn(static_cast<const Items*>(frames), depth, it.key_at(), it.value_at());
    Kind v = kind_at(text, it.value_at());
    if ((v == Kind::kObject || v == Kind::kArray) && depth < kMaxDepth) frames[depth++] = Items(text, it.value_at());
  }
}

}  // namespace probebox::json
