// The config parser's JSON walker (internal to config/, not included outside it):
// the document's text read in place through the pull reader (json_pull.h, no
// token array: a value is named by its byte offset), the JSON path of the value being read (for error
// messages), members and elements of objects and arrays, and the JSON-typed value
// readers (string, integer, boolean) every section uses.
#pragma once
#include <string_view>
#include <type_traits>

#include "config/config_errors.h"
#include "config/config_model.h"
#include "config/config_parser.h"
#include "config/json_pull.h"
#include "core/text.h"
#include "core/view.h"

namespace probebox::config_parse {

// Checks that `json` is one JSON value (json::validate) and, over every object at
// any depth, walked or not, that no key is given twice (the validator would see one
// value and a later reader another) and every key is UTF-8, each such key an error
// in `errors`. Returns the offset of the document's value (the walk goes on after
// a key error, so all are reported at once), or -1 when it is not JSON.
int check_document(std::string_view json, ConfigErrors& errors);

class JsonWalker {
 public:
  // `root`: the document's value, from check_document().
  JsonWalker(std::string_view json, int root, Config& config, ConfigErrors& errors)
      : json_(json), root_(root), c_(config), e_(errors), arena_(config) {}

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

  // Values are named by their offset in the text; -1 (or anything past it) is no
  // value, of kind kNone.
  json::Kind kind(int i) const;
  // A string's text between the quotes (still escaped), a primitive's text.
  std::string_view raw(int i) const;
  // The members of an object or elements of an array.
  size_t item_count(int i) const;
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
  int root_;
  Config& c_;
  ConfigErrors& e_;
  ConfigArenaWriter arena_;
  FixedText<80> path_;
};

}  // namespace probebox::config_parse
