#include "config/config_view.h"

#include <array>
#include <cstring>

#include "config/config_errors.h"
#include "config/config_parser.h"
#include "core/view.h"

#include "config/json_pull.h"
#include "mbedtls/sha256.h"

// The documents are read in place with the pull reader (json_pull.h): no token
// array, a value named by its offset, the path of a key from the walk's frames.
namespace probebox {
namespace {

// The "id" string of the object at `object`, if it has one.
std::string_view object_id(std::string_view json, size_t object) {
  json::Items it(json, object);
  while (it.next()) {
    if (it.key() == "id" && json::kind_at(json, it.value_at()) == json::Kind::kString) {
      return json::raw_at(json, it.value_at());
    }
  }
  return {};
}

// checks[id=smtp].password, appliance.smtp.password, alerts.mail.password ...: the
// path of the key the innermost of `frames` stands at.
void write_path(std::string_view json, const json::Items* frames, int depth, TextBuffer& out) {
  out.clear();
  for (int d = 0; d < depth; ++d) {
    const json::Items& f = frames[d];
    if (f.object()) {
      if (!out.empty()) out.append('.');
      out.append(f.key());
      continue;
    }
    std::string_view id = json::kind_at(json, f.value_at()) == json::Kind::kObject ? object_id(json, f.value_at())
                                                                                  : std::string_view();
    out.append('[');
    if (!id.empty()) {
      out.append("id=");
      out.append(id);
    } else {
      out.append_uint(static_cast<uint64_t>(f.index()));
    }
    out.append(']');
  }
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

// A digest of the target members of the object holding the secret (at `object`):
// the values' tokens (brackets, strings and primitives, each tagged and the texts
// length-prefixed), so layout (spaces, line breaks) does not count as a change but
// any value does. SHA-256 cut to 128 bits (24 of these sit in RAM): finding another
// target with the stored one's digest still takes 2^128 tries.
using TargetDigest = std::array<uint8_t, 16>;

TargetDigest target_digest(std::string_view json, size_t object, std::string_view secret_key) {
  std::array<uint8_t, 32> full{};
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts(&sha, 0);
  auto feed = [&](std::string_view bytes) {
    mbedtls_sha256_update(&sha, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  };
  auto feed_token = [&](uint8_t tag, std::string_view text) {
    uint8_t head[5] = {tag, static_cast<uint8_t>(text.size()), static_cast<uint8_t>(text.size() >> 8),
                       static_cast<uint8_t>(text.size() >> 16), static_cast<uint8_t>(text.size() >> 24)};
    feed({reinterpret_cast<const char*>(head), sizeof(head)});
    feed(text);
  };
  TargetKeys wanted = target_keys(secret_key);
  for (size_t w = 0; w < wanted.count; ++w) {
    feed(wanted.keys[w]);
    size_t value = json.size();
    json::Items it(json, object);
    while (it.next()) {
      if (it.key() == wanted.keys[w]) {
        value = it.value_at();
        break;
      }
    }
    if (value == json.size()) {
      feed(std::string_view("\x01", 1));  // absent
      continue;
    }
    // The value's tokens in order; ',' and ':' follow from the brackets.
    const size_t end = json::end_of(json, value);
    for (size_t at = value; at < end;) {
      const char c = json[at];
      if (c == '{' || c == '}' || c == '[' || c == ']') {
        feed_token(static_cast<uint8_t>(c), {});
        ++at;
      } else if (json::kind_at(json, at) == json::Kind::kString || json::kind_at(json, at) == json::Kind::kPrimitive) {
        feed_token(json::kind_at(json, at) == json::Kind::kString ? 2 : 3, json::raw_at(json, at));
        at = json::end_of(json, at);
      } else {
        ++at;  // space, ',' or ':'
      }
    }
  }
  mbedtls_sha256_finish(&sha, full.data());
  mbedtls_sha256_free(&sha);
  TargetDigest digest{};
  for (size_t i = 0; i < digest.size(); ++i) digest[i] = full[i];
  return digest;
}

}  // namespace

namespace {

// 24 of these sit in RAM (36 bytes each): the path is kept as a digest (the error
// walk writes it again), the stored value as its place in the stored document, and
// of the placeholder only where it starts (it is always "********").
using PathDigest = std::array<uint8_t, 8>;

struct Placeholder {
  // Of the key's path (write_path), SHA-256 cut to 64 bits: a placeholder is only
  // restored when its object's target digest (128 bits) matches too.
  PathDigest path{};
  TargetDigest target{};         // where the incoming document sends it
  uint32_t start = 0;            // the placeholder's first byte in `incoming`, after the quote
  uint32_t value_at = 0;         // the stored value in `stored`, still JSON-escaped
  uint16_t value_length = 0;
  bool found = false;
  bool target_changed = false;

  uint32_t end() const { return start + static_cast<uint32_t>(kSecretPlaceholder.size()); }
  std::string_view value(std::string_view stored) const { return {stored.data() + value_at, value_length}; }
};
constexpr int kMaxSecrets = 24;
Placeholder g_wanted[kMaxSecrets];

PathDigest digest_of(std::string_view path) {
  std::array<uint8_t, 32> full{};
  mbedtls_sha256(reinterpret_cast<const unsigned char*>(path.data()), path.size(), full.data(), 0);
  PathDigest out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = full[i];
  return out;
}

bool is_placeholder(std::string_view json, size_t key_at, size_t value_at) {
  return is_secret_key(json::raw_at(json, key_at)) && json::kind_at(json, value_at) == json::Kind::kString &&
         json::raw_at(json, value_at) == kSecretPlaceholder;
}

// The placeholders of `incoming`, in document order, each with the stored value it
// takes; -1 when `incoming` is not JSON (nothing to restore), -2 when it holds more
// placeholders than the box restores. Says in `errors` which cannot be restored.
int collect_placeholders(std::string_view incoming, std::string_view stored, ConfigErrors& errors) {
  int n_wanted = 0;
  json::Syntax syntax = json::validate(incoming);
  if (!syntax.ok()) return -1;
  bool too_many = false;
  FixedText<96> path;
  json::for_each_member(incoming, syntax.root, [&](const json::Items* frames, int depth, size_t key_at, size_t value_at) {
    if (!is_placeholder(incoming, key_at, value_at)) return;
    if (n_wanted == kMaxSecrets) {
      too_many = true;
      return;
    }
    Placeholder& w = g_wanted[n_wanted++];
    w = Placeholder{};
    write_path(incoming, frames, depth, path);
    w.path = digest_of(path.view());
    w.target = target_digest(incoming, frames[depth - 1].at(), json::raw_at(incoming, key_at));
    w.start = static_cast<uint32_t>(value_at + 1);
  });
  if (too_many) return -2;
  json::Syntax stored_syntax = json::validate(stored);
  if (n_wanted > 0 && stored_syntax.ok()) {
    json::for_each_member(stored, stored_syntax.root, [&](const json::Items* frames, int depth, size_t key_at, size_t value_at) {
      std::string_view key = json::raw_at(stored, key_at);
      if (!is_secret_key(key) || json::kind_at(stored, value_at) != json::Kind::kString) return;
      write_path(stored, frames, depth, path);
      const PathDigest here = digest_of(path.view());
      for (int k = 0; k < n_wanted; ++k) {
        const std::string_view value = json::raw_at(stored, value_at);
        if (!g_wanted[k].found && g_wanted[k].path == here && value.size() <= 0xFFFF) {
          g_wanted[k].value_at = static_cast<uint32_t>(value.data() - stored.data());
          g_wanted[k].value_length = static_cast<uint16_t>(value.size());
          g_wanted[k].found = true;
          // Pointed somewhere else, the placeholder must not carry the stored
          // secret there (a session could otherwise have it sent to itself).
          g_wanted[k].target_changed = target_digest(stored, frames[depth - 1].at(), key) != g_wanted[k].target;
        }
      }
    });
  }
  bool any_error = false;
  for (int k = 0; k < n_wanted; ++k) any_error = any_error || !g_wanted[k].found || g_wanted[k].target_changed;
  if (!any_error) return n_wanted;
  // The paths of those that cannot be restored, written again in document order.
  int k = 0;
  json::for_each_member(incoming, syntax.root, [&](const json::Items* frames, int depth, size_t key_at, size_t value_at) {
    if (!is_placeholder(incoming, key_at, value_at) || k >= n_wanted) return;
    const Placeholder& w = g_wanted[k++];
    if (w.found && !w.target_changed) return;
    write_path(incoming, frames, depth, path);
    if (!w.found) {
      errors.add(path.view(), "\"********\" keeps the stored secret, but none is stored here: type it");
      return;
    }
    std::string_view p = path.view();
    size_t dot = p.rfind('.');
    FixedText<64> message;
    message.append(dot == std::string_view::npos ? p : after(p, dot + 1));
    message.append(" required: target changed");
    errors.add(p, message.view());
  });
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
    out.append(g_wanted[k].value(stored));
    copied = g_wanted[k].end();
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
  for (int k = 0; k < n_wanted; ++k) final_length += size_t{g_wanted[k].value_length} - kSecretPlaceholder.size();
  // The copying restore_secrets() gives kResourceExhausted past its output's capacity.
  if (final_length > room.size()) return StatusCode::kResourceExhausted;
  char* text = room.data();
  // First the placeholders' text goes (front to back, every move to the left), so
  // the gaps close; `at[k]` is where value k then goes.
  size_t at[kMaxSecrets];
  size_t write = g_wanted[0].start;
  for (int k = 0; k < n_wanted; ++k) {
    at[k] = write;
    const size_t from = g_wanted[k].end();
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
    const std::string_view value = g_wanted[k].value(stored);
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
  json::Syntax syntax = json::validate(json);
  if (!syntax.ok()) return StatusCode::kDataLoss;
  size_t copied = 0;
  json::for_each_member(json, syntax.root, [&](const json::Items*, int, size_t key_at, size_t value_at) {
    if (json::kind_at(json, value_at) != json::Kind::kString || !is_secret_key(json::raw_at(json, key_at))) return;
    out.append(slice(json, copied, value_at + 1 - copied));
    out.append(kSecretPlaceholder);
    copied = json::end_of(json, value_at) - 1;
  });
  out.append(after(json, copied));
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

}  // namespace probebox
