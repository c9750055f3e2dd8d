#include "config/config_view.h"

#include <array>
#include <cstring>

#include "config/config_errors.h"
#include "config/config_parser.h"
#include "core/view.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "mbedtls/sha256.h"

namespace probebox {
namespace config_parse {
// The parser's token scratch (config/config_json_walker.cpp), same jsmn options.
extern jsmntok_t g_tokens[kMaxConfigJsonTokens];
}  // namespace config_parse
namespace {
// The parser's scratch, shared (80 KiB on the target): the firmware is single-
// threaded and no function here calls the parser, nor does the parser call one of
// these, so the two never hold tokens at once. A config is validated before it is
// ever stored, so its token count is within the same bound.
jsmntok_t (&g_view_tokens)[kMaxConfigJsonTokens] = config_parse::g_tokens;

bool is_key_token(int i) {
  const jsmntok_t& key = g_view_tokens[i];
  return key.type == JSMN_STRING && key.size == 1 && key.parent >= 0 && g_view_tokens[key.parent].type == JSMN_OBJECT;
}

std::string_view token_text(std::string_view json, const jsmntok_t& t) {
  return slice(json, static_cast<size_t>(t.start), static_cast<size_t>(t.end - t.start));
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

int subtree_end(int i, int count) {
  int remaining = 1;
  while (remaining > 0 && i < count) {
    remaining += g_view_tokens[i].size - 1;
    ++i;
  }
  return i;
}

// What a secret is sent to (spec/config.md: "a secret is kept ... only while the
// check's target (host, port, URL) is unchanged"): the members of the object that
// holds it that say where it goes. The health API key goes to the appliance's
// nodes (and, over HTTPS, its names); every other secret to the host, port, URL or
// server of its own object (a check, appliance.smtp, an alerts block).
struct TargetKeys {
  const std::string_view* keys;
  size_t count;
};
constexpr std::string_view kCheckTarget[] = {"type", "host", "port", "url", "server", "trap_to"};
constexpr std::string_view kApplianceTarget[] = {"load_balancer", "nodes", "ports", "domain_names"};

constexpr std::string_view kTrapTarget[] = {"trap_to"};

TargetKeys target_keys(std::string_view secret_key) {
  // The SNMP agent's read community and v3 passwords are never sent anywhere: the box
  // answers with them, so no target can carry them off. The trap community goes to trap_to.
  if (secret_key == "community" || secret_key == "auth_password" || secret_key == "priv_password") return {nullptr, 0};
  if (secret_key == "trap_community") return {kTrapTarget, 1};
  if (secret_key == "health_api_key") return {kApplianceTarget, sizeof(kApplianceTarget) / sizeof(kApplianceTarget[0])};
  return {kCheckTarget, sizeof(kCheckTarget) / sizeof(kCheckTarget[0])};
}

// A digest of the target members of the object holding the secret at `key_token`:
// token types and texts, so layout (spaces, line breaks) does not count as a
// change but any value does. SHA-256, so no chosen target can collide with the
// stored one.
using TargetDigest = std::array<uint8_t, 32>;

TargetDigest target_digest(std::string_view json, int key_token, int count) {
  TargetDigest digest{};
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts(&sha, 0);
  auto feed = [&](std::string_view bytes) {
    mbedtls_sha256_update(&sha, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  };
  const int object = g_view_tokens[key_token].parent;
  TargetKeys wanted = target_keys(token_text(json, g_view_tokens[key_token]));
  for (size_t w = 0; w < wanted.count; ++w) {
    feed(wanted.keys[w]);
    int value = -1;
    int k = object + 1;
    for (int m = 0; m < g_view_tokens[object].size && k + 1 < count; ++m, k = subtree_end(k + 1, count)) {
      if (is_key_token(k) && token_text(json, g_view_tokens[k]) == wanted.keys[w]) {
        value = k + 1;
        break;
      }
    }
    if (value < 0) {
      feed(std::string_view("\x01", 1));  // absent
      continue;
    }
    for (int t = value, end = subtree_end(value, count); t < end; ++t) {
      // A container by its size (its text would bring the layout in), a leaf by its text.
      const jsmntype_t type = g_view_tokens[t].type;
      std::string_view text = type == JSMN_STRING || type == JSMN_PRIMITIVE
                                  ? token_text(json, g_view_tokens[t])
                                  : std::string_view(reinterpret_cast<const char*>(&g_view_tokens[t].size),
                                                     sizeof(g_view_tokens[t].size));
      uint8_t head[5] = {static_cast<uint8_t>(2 + g_view_tokens[t].type), static_cast<uint8_t>(text.size()),
                         static_cast<uint8_t>(text.size() >> 8), static_cast<uint8_t>(text.size() >> 16),
                         static_cast<uint8_t>(text.size() >> 24)};
      feed({reinterpret_cast<const char*>(head), sizeof(head)});
      feed(text);
    }
  }
  mbedtls_sha256_finish(&sha, digest.data());
  mbedtls_sha256_free(&sha);
  return digest;
}

}  // namespace

namespace {

struct Placeholder {
  FixedText<96> path;
  size_t start = 0, end = 0;  // the value's bytes in `incoming`, quotes excluded
  FixedText<160> value;       // the stored value, still JSON-escaped
  TargetDigest target{};      // where the incoming document sends it
  bool found = false;
  bool target_changed = false;
};
constexpr int kMaxSecrets = 24;
Placeholder g_wanted[kMaxSecrets];

// The placeholders of `incoming`, in document order, each with the stored value it
// takes; -1 when `incoming` is not JSON (nothing to restore), -2 when it holds more
// placeholders than the box restores. Says in `errors` which cannot be restored.
int collect_placeholders(std::string_view incoming, std::string_view stored, ConfigErrors& errors) {
  int n_wanted = 0;
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, incoming.data(), incoming.size(), g_view_tokens, kMaxConfigJsonTokens);
  if (count < 0) return -1;
  for (int i = 0; i + 1 < count; ++i) {
    if (!is_key_token(i) || !is_secret_key(token_text(incoming, g_view_tokens[i]))) continue;
    const jsmntok_t& value = g_view_tokens[i + 1];
    if (value.type != JSMN_STRING || token_text(incoming, value) != kSecretPlaceholder) continue;
    if (n_wanted == kMaxSecrets) return -2;
    Placeholder& w = g_wanted[n_wanted++];
    w = Placeholder{};
    write_path(incoming, i, count, w.path);
    w.target = target_digest(incoming, i, count);
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
        if (!g_wanted[k].found && g_wanted[k].path.view() == path.view()) {
          g_wanted[k].value.assign(token_text(stored, g_view_tokens[i + 1]));
          g_wanted[k].found = !g_wanted[k].value.overflowed();
          // Pointed somewhere else, the placeholder must not carry the stored
          // secret there (a session could otherwise have it sent to itself).
          g_wanted[k].target_changed = target_digest(stored, i, count) != g_wanted[k].target;
        }
      }
    }
  }
  for (int k = 0; k < n_wanted; ++k) {
    if (!g_wanted[k].found) {
      errors.add(g_wanted[k].path.view(), "\"********\" keeps the stored secret, but none is stored here: type it");
      continue;
    }
    if (g_wanted[k].target_changed) {
      std::string_view path = g_wanted[k].path.view();
      size_t dot = path.rfind('.');
      FixedText<64> message;
      message.append(dot == std::string_view::npos ? path : std::string_view(path.data() + dot + 1, path.size() - dot - 1));
      message.append(" required: target changed");
      errors.add(path, message.view());
    }
  }
  return n_wanted;
}

}  // namespace

Status restore_secrets(std::string_view incoming, std::string_view stored, TextBuffer& out, ConfigErrors& errors) {
  const int n_wanted = collect_placeholders(incoming, stored, errors);
  if (n_wanted == -2) return StatusCode::kResourceExhausted;
  out.clear();
  size_t copied = 0;
  for (int k = 0; k < n_wanted; ++k) {
    if (!g_wanted[k].found || g_wanted[k].target_changed) continue;
    out.append(slice(incoming, copied, g_wanted[k].start - copied));
    out.append(g_wanted[k].value.view());
    copied = g_wanted[k].end;
  }
  out.append(after(incoming, copied));
  if (!errors.empty()) return StatusCode::kInvalidArgument;
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

Status restore_secrets_in_place(std::span<char> room, size_t& length, std::string_view stored, ConfigErrors& errors) {
  const int n_wanted = collect_placeholders({room.data(), length}, stored, errors);
  if (n_wanted == -2) return StatusCode::kResourceExhausted;
  if (!errors.empty()) return StatusCode::kInvalidArgument;
  if (n_wanted <= 0) return Status();
  size_t final_length = length;
  for (int k = 0; k < n_wanted; ++k) final_length += g_wanted[k].value.size() - (g_wanted[k].end - g_wanted[k].start);
  // The copying restore_secrets() gives kResourceExhausted past its output's capacity.
  if (final_length > room.size()) return StatusCode::kResourceExhausted;
  char* text = room.data();
  // First the placeholders' text goes (front to back, every move to the left), so
  // the gaps close; `at[k]` is where value k then goes.
  size_t at[kMaxSecrets];
  size_t write = g_wanted[0].start;
  for (int k = 0; k < n_wanted; ++k) {
    at[k] = write;
    const size_t from = g_wanted[k].end;
    const size_t to = k + 1 < n_wanted ? g_wanted[k + 1].start : length;
    std::memmove(text + write, text + from, to - from);
    write += to - from;
  }
  // Then the values go in (back to front, every move to the right).
  size_t end = write;              // of the squeezed text
  size_t final_end = final_length;
  for (int k = n_wanted - 1; k >= 0; --k) {
    const size_t tail = end - at[k];
    std::memmove(text + final_end - tail, text + at[k], tail);
    final_end -= tail;
    const std::string_view value = g_wanted[k].value.view();
    std::memcpy(text + final_end - value.size(), value.data(), value.size());
    final_end -= value.size();
    end = at[k];
  }
  length = final_length;
  return Status();
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
    std::string_view name = slice(json, static_cast<size_t>(key.start), static_cast<size_t>(key.end - key.start));
    if (!is_secret_key(name)) continue;
    out.append(slice(json, copied, static_cast<size_t>(value.start) - copied));
    out.append(kSecretPlaceholder);
    copied = static_cast<size_t>(value.end);
  }
  out.append(after(json, copied));
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

}  // namespace probebox
