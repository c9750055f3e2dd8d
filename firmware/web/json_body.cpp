#include "web/json_body.h"

#include "core/json_string.h"
#include "core/view.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

namespace probebox {

Status read_string_fields(std::string_view json, std::span<JsonStringField> fields, TextBuffer& error) {
  static constexpr int kMaxTokens = 17;  // an object of up to 8 members
  jsmntok_t tokens[kMaxTokens];
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, json.data(), json.size(), tokens, kMaxTokens);
  if (count < 1 || tokens[0].type != JSMN_OBJECT || tokens[0].end != static_cast<int>(json.size()) ||
      count != 1 + 2 * tokens[0].size) {
    error.assign("body must be a JSON object of strings");
    return StatusCode::kInvalidArgument;
  }
  for (int i = 1; i + 1 < count; i += 2) {
    std::string_view key = slice(json, static_cast<size_t>(tokens[i].start), static_cast<size_t>(tokens[i].end - tokens[i].start));
    JsonStringField* field = nullptr;
    for (JsonStringField& f : fields) {
      if (f.name == key) field = &f;
    }
    if (field == nullptr || field->seen) {
      error.assign(field == nullptr ? "unknown member: " : "repeated member: ");
      error.append(first(key, 40));
      return StatusCode::kInvalidArgument;
    }
    const jsmntok_t& v = tokens[i + 1];
    if (v.type != JSMN_STRING) {
      error.assign(key);
      error.append(" must be a string");
      return StatusCode::kInvalidArgument;
    }
    std::string_view raw = slice(json, static_cast<size_t>(v.start), static_cast<size_t>(v.end - v.start));
    size_t len = 0;
    char decoded[256];
    if (raw.size() > sizeof(decoded) || !json_unescape(raw, decoded, sizeof(decoded), len)) {
      error.assign(key);
      error.append(" is too long or badly escaped");
      return StatusCode::kInvalidArgument;
    }
    field->out->assign({decoded, len});
    field->seen = true;
  }
  for (JsonStringField& f : fields) {
    if (f.required && !f.seen) {
      error.assign("missing member: ");
      error.append(f.name);
      return StatusCode::kInvalidArgument;
    }
  }
  return Status();
}

}  // namespace probebox
