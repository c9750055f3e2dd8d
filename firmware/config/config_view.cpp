#include "config/config_view.h"

#include "config/config_parser.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

namespace probebox {
namespace {
// Shares nothing with the parser's scratch: a config is validated before it is ever
// stored, so its token count is within the same bound.
jsmntok_t g_view_tokens[kMaxConfigJsonTokens];
}  // namespace

bool is_secret_key(std::string_view key) { return key == "password" || key == "health_api_key"; }

Status write_masked_config(std::string_view json, TextBuffer& out) {
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, json.data(), json.size(), g_view_tokens, kMaxConfigJsonTokens);
  if (count < 0) return StatusCode::kDataLoss;
  size_t copied = 0;
  for (int i = 0; i + 1 < count; ++i) {
    const jsmntok_t& key = g_view_tokens[i];
    const jsmntok_t& value = g_view_tokens[i + 1];
    // A key is a string token with one child whose parent is an object.
    bool is_key = key.type == JSMN_STRING && key.size == 1 && key.parent >= 0 &&
                  g_view_tokens[key.parent].type == JSMN_OBJECT;
    if (!is_key || value.type != JSMN_STRING) continue;
    std::string_view name = json.substr(static_cast<size_t>(key.start), static_cast<size_t>(key.end - key.start));
    if (!is_secret_key(name)) continue;
    out.append(json.substr(copied, static_cast<size_t>(value.start) - copied));
    out.append(kSecretPlaceholder);
    copied = static_cast<size_t>(value.end);
  }
  out.append(json.substr(copied));
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

}  // namespace probebox
