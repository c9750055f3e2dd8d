// The config parser's JSON walker: the document check, paths, and the JSON-typed
// value readers, over the text in place (json_pull.h).
#include "config/config_json_walker.h"

#include "core/utf8.h"

namespace probebox::config_parse {
namespace {

// A key as it goes into an error path: what is not printable ASCII (a control
// character, a byte of bad UTF-8) shows as '?', so an error message can neither
// carry a line break nor break the JSON or log line it ends up in.
void append_key(TextBuffer& out, std::string_view key) {
  for (char ch : key) out.append(ch >= 0x20 && ch < 0x7F ? ch : '?');
}

// The path of the key the innermost frame stands at: ".key" per object, "[i]" per array.
void path_of(const json::Items* frames, int depth, TextBuffer& out) {
  out.clear();
  for (int d = 0; d < depth; ++d) {
    if (frames[d].object()) {
      if (!out.empty()) out.append('.');
      append_key(out, frames[d].key());
    } else {
      out.appendf("[%u]", static_cast<unsigned>(frames[d].index()));
    }
  }
}

}  // namespace

int check_document(std::string_view json, ConfigErrors& errors) {
  json::Syntax syntax = json::validate(json);
  if (!syntax.ok()) {
    FixedText<64> msg;
    if (syntax.problem == json::Syntax::Problem::kTrailing) {
      msg.append("trailing data after the JSON document");
    } else if (syntax.problem == json::Syntax::Problem::kTooMany) {
      msg.appendf("too many JSON values (more than %u)", static_cast<unsigned>(json::kMaxValues));
    } else if (syntax.problem == json::Syntax::Problem::kTooDeep) {
      msg.appendf("JSON nested deeper than %d levels (near byte %u)", json::kMaxDepth,
                  static_cast<unsigned>(syntax.at));
    } else if (json::skip_space(json, 0) == json.size()) {
      msg.append("the document must be a JSON object");
    } else {
      msg.appendf("not valid JSON (near byte %u)", static_cast<unsigned>(syntax.at));
    }
    errors.add("", msg.view());
    return -1;
  }
  FixedText<80> where;
  json::for_each_member(json, syntax.root, [&](const json::Items* frames, int depth, size_t key_at, size_t) {
    std::string_view key = json::raw_at(json, key_at);
    if (!is_valid_utf8(key)) {
      path_of(frames, depth, where);
      errors.add(where.view(), "key is not valid UTF-8");
      return;
    }
    json::Items earlier(json, frames[depth - 1].at());
    while (earlier.next() && earlier.key_at() < key_at) {
      if (earlier.key() == key) {
        path_of(frames, depth, where);
        errors.add(where.view(), "duplicate key");
        break;
      }
    }
  });
  return static_cast<int>(syntax.root);
}

bool JsonWalker::string(int i, TextRef& out, size_t max_len, bool allow_empty, bool multi_line) {
  if (kind(i) != json::Kind::kString) {
    error("must be a string");
    return false;
  }
  bool bad_escape = false;
  if (!arena_.intern_json_string(raw(i), out, bad_escape)) {
    error(bad_escape ? "invalid string escape or control character" : "config too large");
    return false;
  }
  if (out.size() > max_len) {
    FixedText<48> msg;
    msg.appendf("longer than %u characters", static_cast<unsigned>(max_len));
    error(msg.view());
    return false;
  }
  if (!allow_empty && out.size() == 0) {
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

bool JsonWalker::integer(int i, int64_t min, int64_t max, int64_t& out) {
  std::string_view s = raw(i);
  FixedText<48> msg;
  msg.append("must be an integer ");
  msg.append_int(min);
  msg.append("..");
  msg.append_int(max);
  if (kind(i) != json::Kind::kPrimitive || s.empty()) {
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

json::Kind JsonWalker::kind(int i) const {
  return i < 0 ? json::Kind::kNone : json::kind_at(json_, static_cast<size_t>(i));
}

size_t JsonWalker::item_count(int i) const {
  if (i < 0) return 0;
  json::Items it(json_, static_cast<size_t>(i));
  size_t n = 0;
  while (it.next()) ++n;
  return n;
}

void JsonWalker::error(std::string_view message) { e_.add(path_.view(), message); }

std::string_view JsonWalker::raw(int i) const {
  return i < 0 ? std::string_view() : json::raw_at(json_, static_cast<size_t>(i));
}

int JsonWalker::find_member(int object, std::string_view key) const {
  if (kind(object) != json::Kind::kObject) return -1;
  json::Items it(json_, static_cast<size_t>(object));
  while (it.next()) {
    if (it.key() == key) return static_cast<int>(it.value_at());
  }
  return -1;
}

bool JsonWalker::each_member(int i, void* fn, void (*call)(void*, std::string_view, int)) {
  if (kind(i) != json::Kind::kObject) {
    error("must be an object");
    return false;
  }
  json::Items it(json_, static_cast<size_t>(i));
  while (it.next()) {
    std::string_view key = it.key();
    PathScope scope(*this, key);
    call(fn, key, static_cast<int>(it.value_at()));
  }
  return true;
}

bool JsonWalker::each_element(int i, void* fn, void (*call)(void*, size_t, int)) {
  if (kind(i) != json::Kind::kArray) {
    error("must be an array");
    return false;
  }
  json::Items it(json_, static_cast<size_t>(i));
  while (it.next()) {
    PathScope scope(*this, it.index());
    call(fn, it.index(), static_cast<int>(it.value_at()));
  }
  return true;
}

bool JsonWalker::boolean(int i, bool& out) {
  std::string_view s = raw(i);
  if (kind(i) == json::Kind::kPrimitive && (s == "true" || s == "false")) {
    out = s == "true";
    return true;
  }
  error("must be true or false");
  return false;
}

}  // namespace probebox::config_parse
