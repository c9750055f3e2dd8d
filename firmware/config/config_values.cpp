// The config parser's typed values: hosts, servers, lists, mail addresses, the
// tunables (with their ranges) and HTTP status codes.
#include <cstdint>

#include "config/config_reader.h"
#include "config/config_validators.h"

namespace probebox::config_parse {
namespace {

struct TunableKey {
  const char* name;
  int64_t min;
  int64_t max;
};

constexpr TunableKey kTunableKeys[] = {
    {"interval_s", 1, 86400},        {"timeout_ms", 1, 120000},   {"confirm", 1, 10},
    {"confirm_window", 0, 32},       {"cert_warn_days", 0, 3650}, {"cert_crit_days", 0, 3650},
    {"ntp_warn_ms", 1, 3600000},     {"ntp_crit_ms", 1, 3600000}, {"latency_warn_ms", 1, 600000},
    {"clock_skew_warn_s", 1, 86400},
};

// Every range fits the bits Tunables keeps for it (config_model.h).
constexpr bool fits(int64_t min, int64_t max, int bits) { return min >= 0 && max < (int64_t{1} << bits); }
static_assert(fits(kTunableKeys[0].min, kTunableKeys[0].max, Tunables::kIntervalBits), "interval_s");
static_assert(fits(kTunableKeys[1].min, kTunableKeys[1].max, Tunables::kTimeoutBits), "timeout_ms");
static_assert(fits(kTunableKeys[2].min, kTunableKeys[2].max, Tunables::kConfirmBits), "confirm");
static_assert(fits(kTunableKeys[3].min, kTunableKeys[3].max, Tunables::kWindowBits), "confirm_window");
static_assert(fits(kTunableKeys[4].min, kTunableKeys[4].max, Tunables::kCertDaysBits), "cert_warn_days");
static_assert(fits(kTunableKeys[5].min, kTunableKeys[5].max, Tunables::kCertDaysBits), "cert_crit_days");
static_assert(fits(kTunableKeys[6].min, kTunableKeys[6].max, Tunables::kNtpMsBits), "ntp_warn_ms");
static_assert(fits(kTunableKeys[7].min, kTunableKeys[7].max, Tunables::kNtpMsBits), "ntp_crit_ms");
static_assert(fits(kTunableKeys[8].min, kTunableKeys[8].max, Tunables::kLatencyBits), "latency_warn_ms");
static_assert(fits(kTunableKeys[9].min, kTunableKeys[9].max, Tunables::kSkewBits), "clock_skew_warn_s");

void set_tunable(Tunables& t, int index, int64_t v) {
  switch (index) {
    case 0: t.interval_s = static_cast<uint32_t>(v); break;
    case 1: t.timeout_ms = static_cast<uint32_t>(v); break;
    case 2: t.confirm = static_cast<uint8_t>(v); break;
    case 3: t.confirm_window = static_cast<uint8_t>(v); break;
    case 4: t.cert_warn_days = static_cast<uint32_t>(v); break;
    case 5: t.cert_crit_days = static_cast<uint32_t>(v); break;
    case 6: t.ntp_warn_ms = static_cast<uint32_t>(v); break;
    case 7: t.ntp_crit_ms = static_cast<uint32_t>(v); break;
    case 8: t.latency_warn_ms = static_cast<uint32_t>(v); break;
    case 9: t.clock_skew_warn_s = static_cast<uint32_t>(v); break;
    default: break;
  }
}

}  // namespace

bool ConfigReader::host(int i, TextRef& out) {
  if (!string(i, out, 253)) return false;
  std::string_view h = c_.text(out);
  uint32_t ip;
  if (!parse_ipv4(h, ip) && !is_valid_hostname(h)) {
    error("must be an IPv4 address or a host name");
    return false;
  }
  return true;
}

bool ConfigReader::server(int i, TextRef& host_out, uint16_t& port, uint16_t default_port) {
  TextRef whole{};
  if (!string(i, whole, 259)) return false;
  std::string_view h;
  port = default_port;
  if (!split_host_port(c_.text(whole), h, port)) {
    error("must be host or host:port with port 1..65535");
    return false;
  }
  uint32_t ip;
  if (!parse_ipv4(h, ip) && !is_valid_hostname(h)) {
    error("must be an IPv4 address or a host name");
    return false;
  }
  host_out = whole.first(h.size());
  return true;
}

bool ConfigReader::server_list(int i, ListRef& out, uint16_t default_port) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef whole{};
    if (!string(v, whole, 259)) { ok = false; return; }
    std::string_view h;
    uint16_t port = default_port;
    uint32_t ip;
    if (!split_host_port(c_.text(whole), h, port) || (!parse_ipv4(h, ip) && !is_valid_hostname(h))) {
      error("must be host or host:port");
      ok = false;
      return;
    }
    if (!c_.push_list(out, whole)) { error("too many list items"); ok = false; }
  });
  return ok;
}

bool ConfigReader::string_list(int i, ListRef& out, size_t max_len) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef item{};
    if (!string(v, item, max_len)) { ok = false; return; }
    if (!c_.push_list(out, item)) { error("too many list items"); ok = false; }
  });
  return ok;
}

bool ConfigReader::mail_address(int i, TextRef& out) {
  if (!string(i, out, 254)) return false;
  if (!is_valid_mail_address(c_.text(out))) {
    error("must be a plain address like ops@example.com");
    return false;
  }
  return true;
}

bool ConfigReader::mail_address_list(int i, ListRef& out) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef item{};
    if (!mail_address(v, item)) { ok = false; return; }
    if (!c_.push_list(out, item)) { error("too many list items"); ok = false; }
  });
  return ok;
}

bool ConfigReader::tunable(std::string_view key, int i, Tunables& t) {
  if (key == "public_roots") {
    bool b = false;
    if (boolean(i, b)) t.public_roots = b;
    return true;
  }
  for (int k = 0; k < static_cast<int>(sizeof(kTunableKeys) / sizeof(kTunableKeys[0])); ++k) {
    if (key == kTunableKeys[k].name) {
      int64_t v;
      if (integer(i, kTunableKeys[k].min, kTunableKeys[k].max, v)) set_tunable(t, k, v);
      return true;
    }
  }
  return false;
}

bool ConfigReader::status_list(int i, TextRef& out) {
  std::array<uint16_t, CheckConfig::kMaxStatusCodes> codes{};
  size_t count = 0;
  out = TextRef{};
  if (kind(i) == json::Kind::kArray && item_count(i) > codes.size()) {
    error("at most 8 status codes");
    return false;
  }
  bool ok = elements(i, [&](size_t, int v) {
    int64_t code;
    if (integer(v, 100, 599, code)) codes[count++] = static_cast<uint16_t>(code);
  });
  if (!ok) return false;
  if (!c_.intern_status_codes(codes.data(), count, out)) {
    error("config too large");
    return false;
  }
  return true;
}

void ConfigReader::cross_check_tunables(const Tunables& t) {
  if (t.cert_crit_days > t.cert_warn_days) error("cert_crit_days must not exceed cert_warn_days");
  if (t.ntp_crit_ms < t.ntp_warn_ms) error("ntp_crit_ms must not be below ntp_warn_ms");
  if (t.confirm_window != 0 && t.confirm_window < t.confirm) error("confirm_window must be 0 or at least confirm");
  if (static_cast<uint64_t>(t.timeout_ms) > static_cast<uint64_t>(t.interval_s) * 1000) {
    error("timeout_ms must not exceed interval_s");
  }
}

}  // namespace probebox::config_parse
