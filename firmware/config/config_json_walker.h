// The config parser's JSON walker (internal to config/, not included outside it):
// the jsmn tokens of one document, the JSON path of the value being read (for error
// messages), members and elements of objects and arrays, and the JSON-typed value
// readers (string, integer, boolean) every section uses.
#pragma once
#include <string_view>
#include <type_traits>

#include "config/config_errors.h"
#include "config/config_model.h"
#include "config/config_parser.h"
#include "core/text.h"
#include "core/view.h"

// jsmn with the options the parser is built with. config_json_walker.cpp includes
// jsmn's implementation (static) before this header; every other file of the parser
// sees only its types.
#ifndef JSMN_STRICT
#define JSMN_STRICT
#endif
#ifndef JSMN_PARENT_LINKS
#define JSMN_PARENT_LINKS
#endif
#ifndef JSMN_H
#define JSMN_HEADER
#endif
#include <jsmn.h>

namespace probebox::config_parse {

// One parse at a time (single-threaded firmware): the token scratch is static.
extern jsmntok_t g_tokens[kMaxConfigJsonTokens];

// Tokenizes `json` into g_tokens and checks the shape the walker relies on (one
// complete value, nothing after it, every object member one string key with a
// value). Returns the token count, or -1 with the error added to `errors`.
int tokenize(std::string_view json, ConfigErrors& errors);

class JsonWalker {
 public:
  JsonWalker(std::string_view json, int count, Config& config, ConfigErrors& errors)
      : json_(json), count_(count), c_(config), e_(errors), arena_(config) {}

  // Whole-document checks on keys, before the walk.
  void check_keys();

 protected:
  // Appends ".key" or "[i]" to the path for the life of the scope.
  class PathScope {
   public:
    PathScope(JsonWalker& p, std::string_view key);
    PathScope(JsonWalker& p, size_t index);
    ~PathScope();

   private:
    JsonWalker& p_;
    size_t saved_;
  };

  // A key as it goes into an error path: what is not printable ASCII (a control
  // character, a byte of bad UTF-8) shows as '?', so an error message can neither
  // carry a line break nor break the JSON or log line it ends up in.
  static void append_key(TextBuffer& out, std::string_view key) {
    for (char ch : key) out.append(ch >= 0x20 && ch < 0x7F ? ch : '?');
  }
  // The path of token i (a key or a value), from the parent links: for the
  // whole-document checks that run before the walk.
  void path_of(int i, TextBuffer& out) const;

  // Out-of-range indices read as an empty primitive: the shape check makes them
  // impossible, this keeps a future mistake from reading past the tokens.
  const jsmntok_t& tok(int i) const;
  std::string_view raw(int i) const;
  int skip(int i) const;
  void error(std::string_view message);

  // Calls fn(key, value_index) for each member of the object at i; returns false
  // (with an error) when i is not an object. The loop is out of line, one copy for
  // every caller; each lambda becomes a small thunk.
  template <typename Fn>
  bool members(int i, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    return each_member(i, &fn, [](void* f, std::string_view key, int v) { (*static_cast<F*>(f))(key, v); });
  }

  // Calls fn(index, value_index) for each element of the array at i; returns false
  // (with an error) when i is not an array.
  template <typename Fn>
  bool elements(int i, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    return each_element(i, &fn, [](void* f, size_t index, int v) { (*static_cast<F*>(f))(index, v); });
  }


  int find_member(int object, std::string_view key) const;

  // Every string value passes here: it must be valid UTF-8 and free of control
  // characters; `multi_line` allows CR and LF (the PEM bundle).
  bool string(int i, TextRef& out, size_t max_len, bool allow_empty = false, bool multi_line = false);
  bool integer(int i, int64_t min, int64_t max, int64_t& out);
  bool boolean(int i, bool& out);

 private:
  bool each_member(int i, void* fn, void (*call)(void*, std::string_view, int));
  bool each_element(int i, void* fn, void (*call)(void*, size_t, int));

 protected:

  std::string_view json_;
  int count_;
  Config& c_;
  ConfigErrors& e_;
  ConfigArenaWriter arena_;
  FixedText<80> path_;
};

}  // namespace probebox::config_parse
