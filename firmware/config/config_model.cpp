#include "config/config_model.h"

#include <cstring>

namespace probebox {

bool Config::intern(std::string_view s, TextRef& out) {
  const auto at = reinterpret_cast<uintptr_t>(s.data()), base = reinterpret_cast<uintptr_t>(text_);
  if (text_ != nullptr && at >= base && at - base <= text_size_ && s.size() <= text_size_ - (at - base) &&
      s.size() <= TextRef::kMaxInText) {
    out = TextRef::make(at - base, s.size(), true);
    return true;
  }
  if (s.size() > 0xFFFF || s.size() > kArenaBytes - arena_used_) return false;
  if (!s.empty()) std::memcpy(arena_.data() + arena_used_, s.data(), s.size());
  out = TextRef::make(arena_used_, s.size(), false);
  arena_used_ += static_cast<uint32_t>(s.size());
  return true;
}

size_t Config::status_codes(TextRef ref, std::array<uint16_t, CheckConfig::kMaxStatusCodes>& out) const {
  std::string_view bytes = text(ref);
  size_t n = 0;
  for (; n < out.size() && 2 * n + 1 < bytes.size(); ++n) {
    out[n] = static_cast<uint16_t>(static_cast<uint8_t>(bytes[2 * n]) << 8 | static_cast<uint8_t>(bytes[2 * n + 1]));
  }
  return n;
}

bool Config::intern_status_codes(const uint16_t* codes, size_t count, TextRef& out) {
  char bytes[2 * CheckConfig::kMaxStatusCodes];
  if (count > CheckConfig::kMaxStatusCodes) return false;
  for (size_t i = 0; i < count; ++i) {
    bytes[2 * i] = static_cast<char>(codes[i] >> 8);
    bytes[2 * i + 1] = static_cast<char>(codes[i] & 0xFF);
  }
  return intern({bytes, 2 * count}, out);
}

bool Config::begin_list(ListRef& list) const {
  list.first = list_items_used_;
  list.count = 0;
  return true;
}

// Lists are filled one at a time, so a list's items are contiguous.
bool Config::push_list(ListRef& list, TextRef item) {
  if (list_items_used_ >= kMaxListItems || list.first + list.count != list_items_used_) return false;
  list_items_[list_items_used_++] = item;
  ++list.count;
  return true;
}

Config& Config::operator=(const Config& other) {
  if (this == &other) return *this;
  schema = other.schema;
  device_name = other.device_name;
  device_location = other.device_location;
  network = other.network;
  defaults = other.defaults;
  trust_anchors_pem = other.trust_anchors_pem;
  alerts = other.alerts;
  checks.copy_rows(other.checks, other.check_count);
  check_count = other.check_count;
  maintenance = other.maintenance;
  maintenance_count = other.maintenance_count;
  warnings = other.warnings;
  warning_count = other.warning_count;
  std::memcpy(arena_.data(), other.arena_.data(), other.arena_used_);
  arena_used_ = other.arena_used_;
  list_items_.copy_rows(other.list_items_, other.list_items_used_);
  list_items_used_ = other.list_items_used_;
  text_ = other.text_;
  text_size_ = other.text_size_;
  return *this;
}

void Config::reset() {
  schema = 1;
  device_name = {};
  device_location = {};
  network = {};
  defaults = {};
  trust_anchors_pem = {};
  alerts = {};
  check_count = 0;
  maintenance_count = 0;
  warning_count = 0;
  arena_used_ = 0;
  list_items_used_ = 0;
  text_ = nullptr;
  text_size_ = 0;
}

const CheckConfig* Config::find_check(std::string_view id) const {
  for (uint16_t i = 0; i < check_count; ++i) {
    if (text(checks[i].id) == id) return &checks[i];
  }
  return nullptr;
}

}  // namespace probebox

#include "core/json_string.h"
#include "protocols/http_response.h"

namespace probebox {

bool ConfigArenaWriter::intern_json_string(std::string_view raw, TextRef& out, bool& bad_escape) {
  bad_escape = false;
  // Nothing to undo (no escape, no control character, which JSON forbids): the
  // string as it is, in place when the config is read so.
  bool plain = true;
  for (char c : raw) plain = plain && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  if (plain) return config_.intern(raw, out);
  size_t room = Config::kArenaBytes - config_.arena_used_;
  size_t len = 0;
  if (!json_unescape(raw, config_.arena_.data() + config_.arena_used_, room, len)) {
    bad_escape = raw.size() <= room;
    return false;
  }
  if (len > 0xFFFF) return false;
  out = TextRef::make(config_.arena_used_, len, false);
  config_.arena_used_ += static_cast<uint32_t>(len);
  return true;
}

bool split_check_url(const Config& config, CheckConfig& check) {
  http::UrlParts parts;
  if (!http::split_url(config.text(check.url), parts).ok()) return false;
  check.https = parts.https;
  check.port = parts.port;
  check.host = check.url.sub(parts.host_at, parts.host_len);
  check.path = check.url.sub(parts.path_at, parts.path_len);
  return true;
}

}  // namespace probebox
