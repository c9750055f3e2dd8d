// The config parser's JSON walker: tokens, paths, and the JSON-typed value readers.
// jsmn's implementation lives here only (static), before the walker's header.
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "config/config_json_walker.h"

#include "core/utf8.h"

namespace probebox::config_parse {

jsmntok_t g_tokens[kMaxConfigJsonTokens];

int tokenize(std::string_view json, ConfigErrors& errors) {
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, json.data(), json.size(), g_tokens, kMaxConfigJsonTokens);
  if (count < 0) {
    FixedText<64> msg;
    if (count == JSMN_ERROR_NOMEM) {
      msg.appendf("too many JSON values (more than %u)", static_cast<unsigned>(kMaxConfigJsonTokens));
    } else {
      msg.appendf("not valid JSON (near byte %u)", p.pos);
    }
    errors.add("", msg.view());
    return -1;
  }
  // jsmn stops after the first complete value; anything but whitespace after it is an error.
  for (size_t k = g_tokens[0].end > 0 ? static_cast<size_t>(g_tokens[0].end) : 0; count > 0 && k < json.size(); ++k) {
    char ch = json[k];
    if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') {
      errors.add("", "trailing data after the JSON document");
      return -1;
    }
  }
  // jsmn does not enforce key/value alternation: check the shape before walking it,
  // so the walker can rely on every object member being one string key with a value.
  for (int i = 0; i < count; ++i) {
    const jsmntok_t& t = g_tokens[i];
    bool incomplete = t.start < 0 || t.end < t.start || static_cast<size_t>(t.end) > json.size();
    bool bad_member = t.parent >= 0 && g_tokens[t.parent].type == JSMN_OBJECT && (t.type != JSMN_STRING || t.size != 1);
    bool bad_parent = t.parent >= count;
    if (incomplete || bad_member || bad_parent || (i > 0 && t.parent < 0)) {
      FixedText<64> msg;
      msg.appendf("not valid JSON (near byte %d)", t.start);
      errors.add("", msg.view());
      return -1;
    }
  }
  return count;
}

bool JsonWalker::string(int i, TextRef& out, size_t max_len, bool allow_empty, bool multi_line) {
  if (tok(i).type != JSMN_STRING) {
    error("must be a string");
    return false;
  }
  bool bad_escape = false;
  if (!arena_.intern_json_string(raw(i), out, bad_escape)) {
    error(bad_escape ? "invalid string escape or control character" : "config too large");
    return false;
  }
  if (out.length > max_len) {
    FixedText<48> msg;
    msg.appendf("longer than %u characters", static_cast<unsigned>(max_len));
    error(msg.view());
    return false;
  }
  if (!allow_empty && out.length == 0) {
    error("must not be empty");
    return false;
  }
  // A value may end up in a mail header, an SMTP command or a syslog line: no
  // character in it may start a new one (spec/config.md).
  if (!is_valid_utf8(c_.text(out))) {
    error("not valid UTF-8");
    return false;
  }
  if (has_control_character(c_.text(out), multi_line)) {
    error(multi_line ? "must not contain control characters other than line breaks"
                     : "must not contain control characters (CR, LF, TAB, NUL ...)");
    return false;
  }
  return true;
}

void JsonWalker::path_of(int i, TextBuffer& out) const {
  static constexpr int kMaxDepth = 24;
  int chain[kMaxDepth];
  int depth = 0;
  int t = i;
  for (; t > 0 && depth < kMaxDepth; t = tok(t).parent) chain[depth++] = t;
  out.clear();
  if (t > 0) out.append("...");  // deeper than the chain: the tail is what matters
  for (int d = depth - 1; d >= 0; --d) {
    int parent = tok(chain[d]).parent;
    if (parent < 0) continue;
    if (tok(parent).type == JSMN_OBJECT) {  // a key
      if (!out.empty()) out.append('.');
      append_key(out, raw(chain[d]));
    } else if (tok(parent).type == JSMN_ARRAY) {
      unsigned index = 0;
      for (int k = parent + 1; k < chain[d]; k = skip(k)) ++index;
      out.appendf("[%u]", index);
    }  // else a value under its key: the key named it already
  }
}

// Over every object at any depth, walked or not: a key given twice (the validator
// would see one value and a later reader another) and a key that is not UTF-8.
void JsonWalker::check_keys() {
  FixedText<80> where;
  for (int i = 1; i < count_; ++i) {
    int parent = tok(i).parent;
    if (parent < 0 || tok(parent).type != JSMN_OBJECT) continue;
    std::string_view key = raw(i);
    if (!is_valid_utf8(key)) {
      path_of(i, where);
      e_.add(where.view(), "key is not valid UTF-8");
      continue;
    }
    for (int k = parent + 1; k < i; k = skip(k + 1)) {
      if (raw(k) == key) {
        path_of(i, where);
        e_.add(where.view(), "duplicate key");
        break;
      }
    }
  }
}

bool JsonWalker::integer(int i, int64_t min, int64_t max, int64_t& out) {
  std::string_view s = raw(i);
  FixedText<48> msg;
  msg.append("must be an integer ");
  msg.append_int(min);
  msg.append("..");
  msg.append_int(max);
  if (tok(i).type != JSMN_PRIMITIVE || s.empty()) {
    error(msg.view());
    return false;
  }
  size_t pos = 0;
  bool negative = s[0] == '-';
  if (negative) pos = 1;
  if (pos == s.size() || s.size() - pos > 12) {
    error(msg.view());
    return false;
  }
  int64_t v = 0;
  for (; pos < s.size(); ++pos) {
    if (s[pos] < '0' || s[pos] > '9') {
      error(msg.view());
      return false;
    }
    v = v * 10 + (s[pos] - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) {
    error(msg.view());
    return false;
  }
  out = v;
  return true;
}

JsonWalker::PathScope::PathScope(JsonWalker& p, std::string_view key) : p_(p), saved_(p.path_.size()) {
  if (!p.path_.empty()) p.path_.append('.');
  append_key(p.path_, key);
}

JsonWalker::PathScope::PathScope(JsonWalker& p, size_t index) : p_(p), saved_(p.path_.size()) {
  p.path_.appendf("[%u]", static_cast<unsigned>(index));
}

JsonWalker::PathScope::~PathScope() { p_.path_.truncate(saved_); }

const jsmntok_t& JsonWalker::tok(int i) const {
  static const jsmntok_t kNone = {JSMN_UNDEFINED, 0, 0, 0, -1};
  return i >= 0 && i < count_ ? g_tokens[i] : kNone;
}

void JsonWalker::error(std::string_view message) { e_.add(path_.view(), message); }

std::string_view JsonWalker::raw(int i) const {
  return slice(json_, static_cast<size_t>(tok(i).start), static_cast<size_t>(tok(i).end - tok(i).start));
}

int JsonWalker::skip(int i) const {
  int remaining = 1;
  while (remaining > 0 && i < count_) {
    remaining += tok(i).size - 1;
    ++i;
  }
  return i;
}

int JsonWalker::find_member(int object, std::string_view key) const {
  if (tok(object).type != JSMN_OBJECT) return -1;
  int k = object + 1;
  for (int m = 0; m < tok(object).size; ++m) {
    if (raw(k) == key) return k + 1;
    k = skip(k + 1);
  }
  return -1;
}

bool JsonWalker::each_member(int i, void* fn, void (*call)(void*, std::string_view, int)) {
  if (tok(i).type != JSMN_OBJECT) {
    error("must be an object");
    return false;
  }
  int n = tok(i).size;
  int k = i + 1;
  for (int m = 0; m < n; ++m) {
    std::string_view key = raw(k);
    PathScope scope(*this, key);
    call(fn, key, k + 1);
    k = skip(k + 1);
  }
  return true;
}

bool JsonWalker::each_element(int i, void* fn, void (*call)(void*, size_t, int)) {
  if (tok(i).type != JSMN_ARRAY) {
    error("must be an array");
    return false;
  }
  int n = tok(i).size;
  int k = i + 1;
  for (int m = 0; m < n; ++m) {
    PathScope scope(*this, static_cast<size_t>(m));
    call(fn, static_cast<size_t>(m), k);
    k = skip(k);
  }
  return true;
}

bool JsonWalker::boolean(int i, bool& out) {
  std::string_view s = raw(i);
  if (tok(i).type == JSMN_PRIMITIVE && (s == "true" || s == "false")) {
    out = s == "true";
    return true;
  }
  error("must be true or false");
  return false;
}

}  // namespace probebox::config_parse
