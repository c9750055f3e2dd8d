#include "config/config_view.h"

#include "config/config_errors.h"
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

bool is_key_token(int i) {
  const jsmntok_t& key = g_view_tokens[i];
  return key.type == JSMN_STRING && key.size == 1 && key.parent >= 0 && g_view_tokens[key.parent].type == JSMN_OBJECT;
}

std::string_view token_text(std::string_view json, const jsmntok_t& t) {
  return json.substr(static_cast<size_t>(t.start), static_cast<size_t>(t.end - t.start));
}

// The "id" string of an object token, if it has one.
std::string_view object_id(std::string_view json, int object, int count) {
  for (int j = object + 1; j + 1 < count; ++j) {
    if (g_view_tokens[j].parent == object && is_key_token(j) && token_text(json, g_view_tokens[j]) == "id" &&
        g_view_tokens[j + 1].type == JSMN_STRING) {
      return token_text(json, g_view_tokens[j + 1]);
    }
  }
  return {};
}

// checks[id=smtp].password, appliance.smtp.password, alerts.mail.password ...
void write_path(std::string_view json, int key_token, int count, TextBuffer& out) {
  int chain[16];
  int depth = 0;
  for (int t = key_token; t >= 0 && depth < 16; t = g_view_tokens[t].parent) chain[depth++] = t;
  out.clear();
  for (int d = depth - 1; d >= 0; --d) {
    int t = chain[d];
    int parent = g_view_tokens[t].parent;
    if (parent < 0) continue;
    if (is_key_token(t)) {
      if (!out.empty()) out.append('.');
      out.append(token_text(json, g_view_tokens[t]));
    } else if (g_view_tokens[parent].type == JSMN_ARRAY) {
      std::string_view id = g_view_tokens[t].type == JSMN_OBJECT ? object_id(json, t, count) : std::string_view();
      out.append('[');
      if (!id.empty()) {
        out.append("id=");
        out.append(id);
      } else {
        int index = 0;
        for (int j = parent + 1; j < t; ++j) index += g_view_tokens[j].parent == parent ? 1 : 0;
        out.append_uint(static_cast<uint64_t>(index));
      }
      out.append(']');
    }
  }
}

}  // namespace

Status restore_secrets(std::string_view incoming, std::string_view stored, TextBuffer& out, ConfigErrors& errors) {
  static constexpr int kMaxSecrets = 24;
  struct Placeholder {
    FixedText<96> path;
    size_t start = 0, end = 0;  // the value's bytes in `incoming`, quotes excluded
    FixedText<160> value;       // the stored value, still JSON-escaped
    bool found = false;
  };
  static Placeholder wanted[kMaxSecrets];
  int n_wanted = 0;
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, incoming.data(), incoming.size(), g_view_tokens, kMaxConfigJsonTokens);
  // Not JSON at all: the parser will say why; nothing to restore.
  if (count < 0) {
    out.assign(incoming);
    return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
  }
  for (int i = 0; i + 1 < count; ++i) {
    if (!is_key_token(i) || !is_secret_key(token_text(incoming, g_view_tokens[i]))) continue;
    const jsmntok_t& value = g_view_tokens[i + 1];
    if (value.type != JSMN_STRING || token_text(incoming, value) != kSecretPlaceholder) continue;
    if (n_wanted == kMaxSecrets) return StatusCode::kResourceExhausted;
    Placeholder& w = wanted[n_wanted++];
    w = Placeholder{};
    write_path(incoming, i, count, w.path);
    w.start = static_cast<size_t>(value.start);
    w.end = static_cast<size_t>(value.end);
  }
  if (n_wanted > 0) {
    jsmn_init(&p);
    count = jsmn_parse(&p, stored.data(), stored.size(), g_view_tokens, kMaxConfigJsonTokens);
    FixedText<96> path;
    for (int i = 0; count > 0 && i + 1 < count; ++i) {
      if (!is_key_token(i) || !is_secret_key(token_text(stored, g_view_tokens[i]))) continue;
      if (g_view_tokens[i + 1].type != JSMN_STRING) continue;
      write_path(stored, i, count, path);
      for (int k = 0; k < n_wanted; ++k) {
        if (!wanted[k].found && wanted[k].path.view() == path.view()) {
          wanted[k].value.assign(token_text(stored, g_view_tokens[i + 1]));
          wanted[k].found = !wanted[k].value.overflowed();
        }
      }
    }
  }
  out.clear();
  size_t copied = 0;
  for (int k = 0; k < n_wanted; ++k) {
    if (!wanted[k].found) {
      errors.add(wanted[k].path.view(), "\"********\" keeps the stored secret, but none is stored here: type it");
      continue;
    }
    out.append(incoming.substr(copied, wanted[k].start - copied));
    out.append(wanted[k].value.view());
    copied = wanted[k].end;
  }
  out.append(incoming.substr(copied));
  if (!errors.empty()) return StatusCode::kInvalidArgument;
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

// "community" and the rest occur only under alerts.snmp: standalone secrets, with no target.
bool is_secret_key(std::string_view key) {
  return key == "password" || key == "health_api_key" || key == "community" || key == "trap_community" ||
         key == "auth_password" || key == "priv_password";
}

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
