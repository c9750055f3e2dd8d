// The config's JSON pull reader (json_pull.h), written by hand for this firmware.
#include "config/json_pull.h"

#include "core/view.h"

namespace probebox::json {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// One past the closing quote of the string whose opening quote is at `at`; 0 when
// it is not closed or holds an escape JSON does not have (`bad` says where).
size_t string_end(std::string_view text, size_t at, size_t& bad) {
  size_t i = at + 1;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') return i + 1;
    if (c != '\\') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) break;
    char e = text[i + 1];
    if (e == 'u') {
      for (size_t k = 0; k < 4; ++k) {
        if (i + 2 + k >= text.size() || !is_hex(text[i + 2 + k])) {
          bad = i;
          return 0;
        }
      }
      i += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      i += 2;
    } else {
      bad = i;
      return 0;
    }
  }
  bad = at;
  return 0;
}

// One past a number (RFC 8259 grammar) starting at `at`; 0 when it is not one.
size_t number_end(std::string_view text, size_t at) {
  size_t i = at;
  auto digits = [&] {
    size_t from = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i > from;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i >= text.size()) return 0;
  if (text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return 0;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return 0;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return 0;
  }
  return i;
}

size_t literal_end(std::string_view text, size_t at) {
  for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
    if (slice(text, at, word.size()) == word) return at + word.size();
  }
  return 0;
}

bool is_delimiter(char c) { return is_space(c) || c == ',' || c == ']' || c == '}' || c == ':'; }

}  // namespace

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

Syntax validate(std::string_view text) {
  Syntax result;
  bool in_object[kMaxDepth];  // per open container: an object (else an array)
  int depth = 0;
  enum class Want : uint8_t { kValue, kKey, kAfter } want = Want::kValue;
  auto fail = [&](Syntax::Problem problem, size_t at) {
    result.problem = problem;
    result.at = at;
    return result;
  };
  size_t i = skip_space(text, 0);
  result.root = i;
  size_t values = 0;  // keys and values, as jsmn counted tokens
  for (;;) {
    i = skip_space(text, i);
    if (want != Want::kAfter && ++values > kMaxValues) return fail(Syntax::Problem::kTooMany, i);
    if (want == Want::kAfter && depth == 0) {
      return i == text.size() ? result : fail(Syntax::Problem::kTrailing, i);
    }
    if (i >= text.size()) return fail(Syntax::Problem::kInvalid, i);
    const char c = text[i];
    size_t bad = i;
    if (want == Want::kKey) {
      size_t end = c == '"' ? string_end(text, i, bad) : 0;
      if (end == 0) return fail(Syntax::Problem::kInvalid, bad);
      i = skip_space(text, end);
      if (i >= text.size() || text[i] != ':') return fail(Syntax::Problem::kInvalid, i);
      ++i;
      want = Want::kValue;
    } else if (want == Want::kValue) {
      if (c == '{' || c == '[') {
        if (depth == kMaxDepth) return fail(Syntax::Problem::kTooDeep, i);
        in_object[depth++] = c == '{';
        i = skip_space(text, i + 1);
        if (i < text.size() && text[i] == (c == '{' ? '}' : ']')) {
          --depth;
          ++i;
          want = Want::kAfter;
        } else {
          want = c == '{' ? Want::kKey : Want::kValue;
        }
        continue;
      }
      size_t end = c == '"' ? string_end(text, i, bad)
                   : (c == '-' || is_digit(c)) ? number_end(text, i)
                                               : literal_end(text, i);
      // A number or literal runs up to a delimiter: "12ab" and "truex" are not JSON.
      if (end == 0 || (c != '"' && end < text.size() && !is_delimiter(text[end]))) {
        return fail(Syntax::Problem::kInvalid, bad);
      }
      i = end;
      want = Want::kAfter;
    } else {  // after a value inside a container
      const bool object = in_object[depth - 1];
      if (c == ',') {
        ++i;
        want = object ? Want::kKey : Want::kValue;
      } else if (c == (object ? '}' : ']')) {
        --depth;
        ++i;
      } else {
        return fail(Syntax::Problem::kInvalid, i);
      }
    }
  }
}

Kind kind_at(std::string_view text, size_t at) {
  if (at >= text.size()) return Kind::kNone;
  switch (text[at]) {
    case '{': return Kind::kObject;
    case '[': return Kind::kArray;
    case '"': return Kind::kString;
    case '-': case 't': case 'f': case 'n': return Kind::kPrimitive;
    default: return is_digit(text[at]) ? Kind::kPrimitive : Kind::kNone;
  }
}

size_t end_of(std::string_view text, size_t at) {
  switch (kind_at(text, at)) {
    case Kind::kNone: return at;
    case Kind::kString: {
      size_t bad = 0;
      size_t end = string_end(text, at, bad);
      return end == 0 ? text.size() : end;
    }
    case Kind::kPrimitive: {
      size_t i = at;
      while (i < text.size() && !is_delimiter(text[i])) ++i;
      return i;
    }
    case Kind::kObject:
    case Kind::kArray: break;
  }
  // Brackets counted outside strings: the text is valid, so they pair up.
  int open = 0;
  size_t i = at;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      size_t bad = 0;
      size_t end = string_end(text, i, bad);
      if (end == 0) return text.size();
      i = end;
      continue;
    }
    ++i;
    if (c == '{' || c == '[') {
      ++open;
    } else if (c == '}' || c == ']') {
      if (--open == 0) return i;
    }
  }
  return text.size();
}

std::string_view raw_at(std::string_view text, size_t at) {
  if (at >= text.size()) return {};
  size_t end = end_of(text, at);
  if (kind_at(text, at) == Kind::kString) return end >= at + 2 ? slice(text, at + 1, end - at - 2) : std::string_view();
  return slice(text, at, end - at);
}

Items::Items(std::string_view text, size_t at) : text_(text), at_(at), pos_(at + 1) {
  Kind k = kind_at(text, at);
  object_ = k == Kind::kObject;
  done_ = k != Kind::kObject && k != Kind::kArray;
}

bool Items::next() {
  if (done_) return false;
  size_t i = skip_space(text_, index_ == 0 ? pos_ : (resume_ != 0 ? resume_ : end_of(text_, value_at_)));
  resume_ = 0;
  if (index_ > 0 && i < text_.size() && text_[i] == ',') i = skip_space(text_, i + 1);
  if (i >= text_.size() || text_[i] == '}' || text_[i] == ']') {
    done_ = true;
    pos_ = i < text_.size() ? i + 1 : i;
    return false;
  }
  if (object_) {
    key_at_ = i;
    i = skip_space(text_, end_of(text_, i));
    if (i < text_.size() && text_[i] == ':') ++i;
    i = skip_space(text_, i);
  }
  value_at_ = i;
  ++index_;
  return true;
}

}  // namespace probebox::json
