#include "config/config_parser.h"

#include <cstring>
#include <iterator>
#include <initializer_list>

#include "config/appliance_profile.h"
#include "core/text.h"
#include "core/view.h"
#include "core/utf8.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

namespace probebox {
namespace {

// One parse at a time (single-threaded firmware): the token scratch is static.
jsmntok_t g_tokens[kMaxConfigJsonTokens];

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

void set_tunable(Tunables& t, int index, int64_t v) {
  switch (index) {
    case 0: t.interval_s = static_cast<uint32_t>(v); break;
    case 1: t.timeout_ms = static_cast<uint32_t>(v); break;
    case 2: t.confirm = static_cast<uint16_t>(v); break;
    case 3: t.confirm_window = static_cast<uint16_t>(v); break;
    case 4: t.cert_warn_days = static_cast<int32_t>(v); break;
    case 5: t.cert_crit_days = static_cast<int32_t>(v); break;
    case 6: t.ntp_warn_ms = static_cast<uint32_t>(v); break;
    case 7: t.ntp_crit_ms = static_cast<uint32_t>(v); break;
    case 8: t.latency_warn_ms = static_cast<uint32_t>(v); break;
    case 9: t.clock_skew_warn_s = static_cast<uint32_t>(v); break;
    default: break;
  }
}

// The config half of the kind table (core/check_types.h holds the rest): the keys
// that only some kinds of check accept (all accept id, type, group and the tunables),
// and, indexed by CheckType, which of them each kind accepts. Two kinds may give one
// name different meanings ("username"): each meaning is its own key.
enum class CheckKey : uint8_t {
  kHost, kPort, kServer, kServerName,
  kTcpExpect,
  kDnsName, kDnsRecord, kDnsExpectAddresses,
  kHttpUrl, kHttpHostHeader, kHttpUsername, kHttpPassword, kHttpExpectStatus, kHttpWarnStatus, kHttpExpectBody,
  kTlsNames, kTlsSameCertAs, kTlsDistinctFrom, kTlsFullHandshake,
  kSmtpStartTls, kSmtpUsername, kSmtpPassword, kSmtpAllowAuthWithoutTls,
  kCount
};
constexpr std::string_view kCheckKeyNames[] = {
    "host", "port", "server", "server_name",
    "expect",
    "name", "record", "expect_addresses",
    "url", "host_header", "username", "password", "expect_status", "warn_status", "expect_body",
    "names", "same_cert_as", "distinct_from", "full_handshake",
    "starttls", "username", "password", "allow_auth_without_tls",
};
static_assert(std::size(kCheckKeyNames) == static_cast<size_t>(CheckKey::kCount), "a name for every key");
static_assert(static_cast<size_t>(CheckKey::kCount) <= 32, "a kind's keys are a 32-bit set");

constexpr uint32_t keys(std::initializer_list<CheckKey> list) {
  uint32_t set = 0;
  for (CheckKey k : list) set |= uint32_t{1} << static_cast<unsigned>(k);
  return set;
}

struct KindKeys {
  CheckType type;
  uint32_t keys;
};
using K = CheckKey;
constexpr KindKeys kKindKeys[] = {
    {CheckType::kTcp, keys({K::kHost, K::kPort, K::kTcpExpect})},
    {CheckType::kDns, keys({K::kServer, K::kDnsName, K::kDnsRecord, K::kDnsExpectAddresses})},
    {CheckType::kHttp, keys({K::kHttpUrl, K::kHttpHostHeader, K::kHttpUsername, K::kHttpPassword,
                             K::kHttpExpectStatus, K::kHttpWarnStatus, K::kHttpExpectBody})},
    {CheckType::kTlsCert, keys({K::kHost, K::kPort, K::kServerName, K::kTlsNames, K::kTlsSameCertAs,
                                K::kTlsDistinctFrom, K::kTlsFullHandshake})},
    {CheckType::kSmtp, keys({K::kHost, K::kPort, K::kServerName, K::kSmtpStartTls, K::kSmtpUsername,
                             K::kSmtpPassword, K::kSmtpAllowAuthWithoutTls})},
    {CheckType::kNtp, keys({K::kServer})},
};
static_assert(std::size(kKindKeys) == kCheckTypeCount, "a key set for every CheckType");
constexpr bool key_rows_valid() {
  for (size_t i = 0; i < std::size(kKindKeys); ++i) {
    if (static_cast<size_t>(kKindKeys[i].type) != i) return false;  // the row of a kind is at its index
    for (size_t a = 0; a < std::size(kCheckKeyNames); ++a) {      // no kind has one name twice
      for (size_t b = 0; b < a; ++b) {
        const uint32_t both = (uint32_t{1} << a) | (uint32_t{1} << b);
        if ((kKindKeys[i].keys & both) == both && kCheckKeyNames[a] == kCheckKeyNames[b]) return false;
      }
    }
  }
  return true;
}
static_assert(key_rows_valid(), "kKindKeys: in CheckType order, one meaning per name and kind");

class Parser {
 public:
  Parser(std::string_view json, int count, Config& config, ConfigErrors& errors)
      : json_(json), count_(count), c_(config), e_(errors), arena_(config) {}

  void root();
  // Whole-document checks on keys, before the walk.
  void check_keys();

 private:
  // Appends ".key" or "[i]" to the path for the life of the scope.
  class PathScope {
   public:
    PathScope(Parser& p, std::string_view key) : p_(p), saved_(p.path_.size()) {
      if (!p.path_.empty()) p.path_.append('.');
      append_key(p.path_, key);
    }
    PathScope(Parser& p, size_t index) : p_(p), saved_(p.path_.size()) {
      p.path_.appendf("[%u]", static_cast<unsigned>(index));
    }
    ~PathScope() { p_.path_.truncate(saved_); }

   private:
    Parser& p_;
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
  const jsmntok_t& tok(int i) const {
    static const jsmntok_t kNone = {JSMN_UNDEFINED, 0, 0, 0, -1};
    return i >= 0 && i < count_ ? g_tokens[i] : kNone;
  }
  std::string_view raw(int i) const {
    return slice(json_, static_cast<size_t>(tok(i).start), static_cast<size_t>(tok(i).end - tok(i).start));
  }
  int skip(int i) const {
    int remaining = 1;
    while (remaining > 0 && i < count_) {
      remaining += tok(i).size - 1;
      ++i;
    }
    return i;
  }
  void error(std::string_view message) { e_.add(path_.view(), message); }

  // Calls fn(key, value_index) for each member of the object at i; returns false
  // (with an error) when i is not an object.
  template <typename Fn>
  bool members(int i, Fn&& fn) {
    if (tok(i).type != JSMN_OBJECT) {
      error("must be an object");
      return false;
    }
    int n = tok(i).size;
    int k = i + 1;
    for (int m = 0; m < n; ++m) {
      std::string_view key = raw(k);
      PathScope scope(*this, key);
      fn(key, k + 1);
      k = skip(k + 1);
    }
    return true;
  }

  template <typename Fn>
  bool elements(int i, Fn&& fn) {
    if (tok(i).type != JSMN_ARRAY) {
      error("must be an array");
      return false;
    }
    int n = tok(i).size;
    int k = i + 1;
    for (int m = 0; m < n; ++m) {
      PathScope scope(*this, static_cast<size_t>(m));
      fn(static_cast<size_t>(m), k);
      k = skip(k);
    }
    return true;
  }

  int find_member(int object, std::string_view key) const {
    if (tok(object).type != JSMN_OBJECT) return -1;
    int k = object + 1;
    for (int m = 0; m < tok(object).size; ++m) {
      if (raw(k) == key) return k + 1;
      k = skip(k + 1);
    }
    return -1;
  }

  // Every string value passes here: it must be valid UTF-8 and free of control
  // characters; `multi_line` allows CR and LF (the PEM bundle).
  bool string(int i, TextRef& out, size_t max_len, bool allow_empty = false, bool multi_line = false);
  bool integer(int i, int64_t min, int64_t max, int64_t& out);
  bool boolean(int i, bool& out);
  bool host(int i, TextRef& out);
  bool server(int i, TextRef& host_out, uint16_t& port, uint16_t default_port);
  bool server_list(int i, ListRef& out, uint16_t default_port);
  bool string_list(int i, ListRef& out, size_t max_len);
  bool mail_address(int i, TextRef& out);
  bool mail_address_list(int i, ListRef& out);
  bool tunable(std::string_view key, int i, Tunables& t);
  bool status_list(int i, std::array<uint16_t, CheckConfig::kMaxStatusCodes>& codes, uint8_t& count);

  void device(int i);
  void network(int i);
  void alerts(int i);
  void snmp(int i);
  void check(size_t index, int i);
  bool check_member(CheckConfig& c, std::string_view key, int v);
  void kind_key(CheckConfig& c, CheckKey key, int v);
  void cross_check_tunables(const Tunables& t);
  void cross_check_checks();
  void appliance(int i);
  void maintenance(int i);

 public:
  ApplianceProfile profile;


 private:

  std::string_view json_;
  int count_;
  Config& c_;
  ConfigErrors& e_;
  ConfigArenaWriter arena_;
  FixedText<80> path_;
};

bool Parser::string(int i, TextRef& out, size_t max_len, bool allow_empty, bool multi_line) {
  if (tok(i).type != JSMN_STRING) {
    error("must be a string");
    return false;
  }
  bool bad_escape = false;
  if (!arena_.intern_json_string(raw(i), out, bad_escape)) {
    error(bad_escape ? "invalid string escape or control character" : "config too large");
    return false;
  }
  if (out.length > max_len) {
    FixedText<48> msg;
    msg.appendf("longer than %u characters", static_cast<unsigned>(max_len));
    error(msg.view());
    return false;
  }
  if (!allow_empty && out.length == 0) {
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

void Parser::path_of(int i, TextBuffer& out) const {
  static constexpr int kMaxDepth = 24;
  int chain[kMaxDepth];
  int depth = 0;
  int t = i;
  for (; t > 0 && depth < kMaxDepth; t = tok(t).parent) chain[depth++] = t;
  out.clear();
  if (t > 0) out.append("...");  // deeper than the chain: the tail is what matters
  for (int d = depth - 1; d >= 0; --d) {
    int parent = tok(chain[d]).parent;
    if (parent < 0) continue;
    if (tok(parent).type == JSMN_OBJECT) {  // a key
      if (!out.empty()) out.append('.');
      append_key(out, raw(chain[d]));
    } else if (tok(parent).type == JSMN_ARRAY) {
      unsigned index = 0;
      for (int k = parent + 1; k < chain[d]; k = skip(k)) ++index;
      out.appendf("[%u]", index);
    }  // else a value under its key: the key named it already
  }
}

// Over every object at any depth, walked or not: a key given twice (the validator
// would see one value and a later reader another) and a key that is not UTF-8.
void Parser::check_keys() {
  FixedText<80> where;
  for (int i = 1; i < count_; ++i) {
    int parent = tok(i).parent;
    if (parent < 0 || tok(parent).type != JSMN_OBJECT) continue;
    std::string_view key = raw(i);
    if (!is_valid_utf8(key)) {
      path_of(i, where);
      e_.add(where.view(), "key is not valid UTF-8");
      continue;
    }
    for (int k = parent + 1; k < i; k = skip(k + 1)) {
      if (raw(k) == key) {
        path_of(i, where);
        e_.add(where.view(), "duplicate key");
        break;
      }
    }
  }
}

bool Parser::integer(int i, int64_t min, int64_t max, int64_t& out) {
  std::string_view s = raw(i);
  FixedText<48> msg;
  msg.append("must be an integer ");
  msg.append_int(min);
  msg.append("..");
  msg.append_int(max);
  if (tok(i).type != JSMN_PRIMITIVE || s.empty()) {
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

bool Parser::boolean(int i, bool& out) {
  std::string_view s = raw(i);
  if (tok(i).type == JSMN_PRIMITIVE && (s == "true" || s == "false")) {
    out = s == "true";
    return true;
  }
  error("must be true or false");
  return false;
}

bool Parser::host(int i, TextRef& out) {
  if (!string(i, out, 253)) return false;
  std::string_view h = c_.text(out);
  uint32_t ip;
  if (!parse_ipv4(h, ip) && !is_valid_hostname(h)) {
    error("must be an IPv4 address or a host name");
    return false;
  }
  return true;
}

bool Parser::server(int i, TextRef& host_out, uint16_t& port, uint16_t default_port) {
  TextRef whole;
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
  host_out = {whole.offset, static_cast<uint16_t>(h.size())};
  return true;
}

bool Parser::server_list(int i, ListRef& out, uint16_t default_port) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef whole;
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

bool Parser::string_list(int i, ListRef& out, size_t max_len) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef item;
    if (!string(v, item, max_len)) { ok = false; return; }
    if (!c_.push_list(out, item)) { error("too many list items"); ok = false; }
  });
  return ok;
}

bool Parser::mail_address(int i, TextRef& out) {
  if (!string(i, out, 254)) return false;
  if (!is_valid_mail_address(c_.text(out))) {
    error("must be a plain address like ops@example.com");
    return false;
  }
  return true;
}

bool Parser::mail_address_list(int i, ListRef& out) {
  c_.begin_list(out);
  bool ok = true;
  elements(i, [&](size_t, int v) {
    TextRef item;
    if (!mail_address(v, item)) { ok = false; return; }
    if (!c_.push_list(out, item)) { error("too many list items"); ok = false; }
  });
  return ok;
}

bool Parser::tunable(std::string_view key, int i, Tunables& t) {
  for (int k = 0; k < static_cast<int>(sizeof(kTunableKeys) / sizeof(kTunableKeys[0])); ++k) {
    if (key == kTunableKeys[k].name) {
      int64_t v;
      if (integer(i, kTunableKeys[k].min, kTunableKeys[k].max, v)) set_tunable(t, k, v);
      return true;
    }
  }
  return false;
}

bool Parser::status_list(int i, std::array<uint16_t, CheckConfig::kMaxStatusCodes>& codes, uint8_t& count) {
  count = 0;
  if (tok(i).type == JSMN_ARRAY && tok(i).size > static_cast<int>(codes.size())) {
    error("at most 8 status codes");
    return false;
  }
  return elements(i, [&](size_t, int v) {
    int64_t code;
    if (integer(v, 100, 599, code)) codes[count++] = static_cast<uint16_t>(code);
  });
}

void Parser::cross_check_tunables(const Tunables& t) {
  if (t.cert_crit_days > t.cert_warn_days) error("cert_crit_days must not exceed cert_warn_days");
  if (t.ntp_crit_ms < t.ntp_warn_ms) error("ntp_crit_ms must not be below ntp_warn_ms");
  if (t.confirm_window != 0 && t.confirm_window < t.confirm) error("confirm_window must be 0 or at least confirm");
  if (static_cast<uint64_t>(t.timeout_ms) > static_cast<uint64_t>(t.interval_s) * 1000) {
    error("timeout_ms must not exceed interval_s");
  }
}

void Parser::device(int i) {
  members(i, [&](std::string_view key, int v) {
    if (key == "name") {
      string(v, c_.device_name, 32);
    } else if (key == "location") {
      string(v, c_.device_location, 64, true);
    } else {
      error("unknown key");
    }
  });
}

void Parser::network(int i) {
  members(i, [&](std::string_view key, int v) {
    TextRef t;
    if (key == "mode") {
      if (!string(v, t, 8)) return;
      std::string_view mode = c_.text(t);
      if (mode == "dhcp") c_.network.dhcp = true;
      else if (mode == "static") c_.network.dhcp = false;
      else error("must be \"dhcp\" or \"static\"");
    } else if (key == "address") {
      if (!string(v, t, 18)) return;
      std::string_view cidr = c_.text(t);
      size_t slash = cidr.find('/');
      int64_t prefix = -1;
      if (slash != std::string_view::npos && slash + 1 < cidr.size() && cidr.size() - slash <= 3) {
        prefix = 0;
        for (char ch : after(cidr, slash + 1)) prefix = (ch >= '0' && ch <= '9') ? prefix * 10 + (ch - '0') : 99;
      }
      if (slash == std::string_view::npos || prefix < 1 || prefix > 30 ||
          !parse_ipv4(first(cidr, slash), c_.network.address)) {
        error("must be an IPv4 address with prefix length, e.g. 192.0.2.10/24");
        return;
      }
      c_.network.prefix_length = static_cast<uint8_t>(prefix);
    } else if (key == "gateway") {
      if (string(v, t, 15) && !parse_ipv4(c_.text(t), c_.network.gateway)) error("must be an IPv4 address");
    } else if (key == "dns") {
      if (!server_list(v, c_.network.dns, 53)) return;
      if (c_.network.dns.count > 2) error("at most 2 resolvers");
      // lwIP's resolver has one server port for all servers.
      uint16_t first_port = 0;
      for (uint16_t k = 0; k < c_.network.dns.count; ++k) {
        std::string_view h;
        uint16_t port = 53;
        uint32_t ip;
        split_host_port(c_.text(c_.list_item(c_.network.dns, k)), h, port);
        PathScope item(*this, static_cast<size_t>(k));
        if (!parse_ipv4(h, ip)) error("a resolver must be an IPv4 address");
        if (k == 0) first_port = port;
        else if (port != first_port) error("every resolver must use the same port");
      }
    } else if (key == "ntp") {
      server_list(v, c_.network.ntp, 123);
    } else {
      error("unknown key");
    }
  });
  if (!c_.network.dhcp && c_.network.prefix_length == 0) {
    PathScope scope(*this, "address");
    error("required when mode is \"static\"");
  }
}

void Parser::alerts(int i) {
  members(i, [&](std::string_view key, int v) {
    if (key == "mail") {
      members(v, [&](std::string_view k, int w) {
        uint16_t port;
        if (k == "to") mail_address_list(w, c_.alerts.mail_to);
        else if (k == "from") mail_address(w, c_.alerts.mail_from);
        else if (k == "server") { if (server(w, c_.alerts.mail_server, port, 25)) c_.alerts.mail_port = port; }
        else error("unknown key");
      });
    } else if (key == "syslog") {
      members(v, [&](std::string_view k, int w) {
        uint16_t port;
        TextRef host_only;
        if (k == "server") {
          if (string(w, c_.alerts.syslog_server, 259)) {
            std::string_view h;
            port = 514;
            if (!split_host_port(c_.text(c_.alerts.syslog_server), h, port)) error("must be host or host:port");
          }
          (void)host_only;
        } else {
          error("unknown key");
        }
      });
    } else if (key == "snmp") {
      snmp(v);
    } else {
      error("unknown key");
    }
  });
}

// alerts.snmp: v2c only with a community, v3 only with a user and both passwords
// (SHA + AES, authPriv). SNMP_MAX_COMMUNITY_STR_LEN and lwIP's user name bound the
// lengths; RFC 3414 asks for passwords of at least 8 octets.
void Parser::snmp(int i) {
  AlertsConfig& a = c_.alerts;
  members(i, [&](std::string_view k, int w) {
    if (k == "community") {
      string(w, a.snmp_community, 32);
    } else if (k == "trap_community") {
      string(w, a.snmp_trap_community, 32);
    } else if (k == "trap_to") {
      server_list(w, a.snmp_trap_to, 162);
    } else if (k == "v3") {
      bool user = false, auth = false, priv = false;
      bool is_object = members(w, [&](std::string_view key, int x) {
        auto password = [&](TextRef& out, bool& seen) {
          seen = true;
          if (string(x, out, 64) && out.length < 8) error("needs 8 to 64 characters");
        };
        if (key == "user") {
          user = true;
          string(x, a.snmp_v3_user, 32);
        } else if (key == "auth_password") {
          password(a.snmp_v3_auth_password, auth);
        } else if (key == "priv_password") {
          password(a.snmp_v3_priv_password, priv);
        } else {
          error("unknown key");
        }
      });
      std::string_view missing = !user ? "user" : !auth ? "auth_password" : !priv ? "priv_password" : "";
      if (is_object && !missing.empty()) {
        PathScope scope(*this, missing);
        error("required (SNMPv3 is authPriv: user, auth_password and priv_password)");
      }
    } else {
      error("unknown key");
    }
  });
}

void Parser::kind_key(CheckConfig& c, CheckKey key, int v) {
  TextRef t;
  int64_t n;
  switch (key) {
    case CheckKey::kHost: host(v, c.host); break;
    case CheckKey::kPort:
      if (integer(v, 1, 65535, n)) c.port = static_cast<uint16_t>(n);
      break;
    case CheckKey::kServer: server(v, c.host, c.port, check_kind(c.type).default_port); break;
    case CheckKey::kServerName:
      if (string(v, c.server_name, 253) && !is_valid_hostname(c_.text(c.server_name))) error("must be a host name");
      break;
    case CheckKey::kTcpExpect:
      if (!string(v, t, 11)) break;
      if (c_.text(t) == "open") c.expect = ExpectPort::kOpen;
      else if (c_.text(t) == "closed") c.expect = ExpectPort::kClosed;
      else if (c_.text(t) == "unreachable") c.expect = ExpectPort::kUnreachable;
      else error("must be \"open\", \"closed\" or \"unreachable\"");
      break;
    case CheckKey::kDnsName:
      if (string(v, c.name, 253) && !is_valid_hostname(c_.text(c.name))) error("must be a host name");
      break;
    case CheckKey::kDnsRecord:
      if (!string(v, t, 8)) break;
      if (c_.text(t) == "A") c.qtype = 1;
      else if (c_.text(t) == "AAAA") c.qtype = 28;
      else error("must be \"A\" or \"AAAA\"");
      break;
    case CheckKey::kDnsExpectAddresses:
      if (!string_list(v, c.expect_addresses, 45)) break;
      for (uint16_t k = 0; k < c.expect_addresses.count; ++k) {
        uint32_t ip;
        if (c.qtype == 1 && !parse_ipv4(c_.text(c_.list_item(c.expect_addresses, k)), ip)) {
          PathScope scope(*this, static_cast<size_t>(k));
          error("must be an IPv4 address");
        }
      }
      break;
    case CheckKey::kHttpUrl: {
      if (!string(v, c.url, 512)) break;
      std::string_view u = c_.text(c.url);
      if (first(u, 7) != "http://" && first(u, 8) != "https://") error("must start with http:// or https://");
      break;
    }
    case CheckKey::kHttpHostHeader: host(v, c.host_header); break;
    case CheckKey::kHttpUsername:
      if (string(v, c.basic_user, 64) && c_.text(c.basic_user).find(':') != std::string_view::npos) {
        error("must not contain ':'");
      }
      break;
    case CheckKey::kHttpPassword: string(v, c.basic_password, 128); break;
    case CheckKey::kHttpExpectStatus: status_list(v, c.expect_status, c.expect_status_count); break;
    case CheckKey::kHttpWarnStatus: status_list(v, c.warn_status, c.warn_status_count); break;
    case CheckKey::kHttpExpectBody: c.expect_body_set = string(v, c.expect_body, 256, true); break;
    case CheckKey::kTlsNames: string_list(v, c.names, 253); break;
    case CheckKey::kTlsSameCertAs: string_list(v, c.same_cert_as, 32); break;
    case CheckKey::kTlsDistinctFrom: string_list(v, c.distinct_from, 32); break;
    case CheckKey::kTlsFullHandshake: boolean(v, c.full_handshake); break;
    case CheckKey::kSmtpStartTls:
      if (!string(v, t, 8)) break;
      if (c_.text(t) == "prefer") c.starttls = StartTls::kPrefer;
      else if (c_.text(t) == "require") c.starttls = StartTls::kRequire;
      else if (c_.text(t) == "never") c.starttls = StartTls::kNever;
      else error("must be \"prefer\", \"require\" or \"never\"");
      break;
    case CheckKey::kSmtpUsername: string(v, c.username, 64); break;
    case CheckKey::kSmtpPassword: string(v, c.password, 128); break;
    case CheckKey::kSmtpAllowAuthWithoutTls: boolean(v, c.allow_auth_without_tls); break;
    case CheckKey::kCount: break;
  }
}

bool Parser::check_member(CheckConfig& c, std::string_view key, int v) {
  TextRef t;
  if (key == "id") {
    if (string(v, c.id, 32) && !is_valid_check_id(c_.text(c.id))) error("must be 1-32 of [a-z0-9._-]");
  } else if (key == "type") {
    // handled before the members
  } else if (key == "group") {
    if (!string(v, t, 16)) return true;
    auto g = parse_group(c_.text(t));
    if (g) c.group = *g;
    else error("must be one of cert, dns, ports, smtp, health, time, egress, isolation");
  } else if (tunable(key, v, c.tune)) {
  } else {
    const uint32_t accepted = kKindKeys[static_cast<size_t>(c.type)].keys;
    for (size_t k = 0; k < std::size(kCheckKeyNames); ++k) {
      if ((accepted >> k & 1u) == 0 || kCheckKeyNames[k] != key) continue;
      kind_key(c, static_cast<CheckKey>(k), v);
      return true;
    }
    return false;
  }
  return true;
}

void Parser::check(size_t index, int i) {
  if (tok(i).type != JSMN_OBJECT) {
    error("must be an object");
    return;
  }
  if (c_.check_count >= Config::kMaxChecks) {
    error("too many checks");
    return;
  }
  CheckConfig& c = c_.checks.reset(c_.check_count);
  c.tune = c_.defaults;
  int type_index = find_member(i, "type");
  if (type_index < 0) {
    PathScope scope(*this, "type");
    error("required");
    return;
  }
  {
    PathScope scope(*this, "type");
    TextRef t;
    if (!string(type_index, t, 16)) return;
    auto type = parse_check_type(c_.text(t));
    if (!type) {
      FixedText<96> msg;
      msg.append("must be one of ");
      for (int k = 0; k < kCheckTypeCount; ++k) {
        if (k > 0) msg.append(", ");
        msg.append(check_type_name(static_cast<CheckType>(k)));
      }
      error(msg.view());
      return;
    }
    c.type = *type;
  }
  c.group = default_group(c.type);
  c.port = check_kind(c.type).default_port;
  bool group_set = find_member(i, "group") >= 0;

  members(i, [&](std::string_view key, int v) {
    if (!check_member(c, key, v)) {
      FixedText<48> msg;
      msg.append("unknown key for a ");
      msg.append(check_type_name(c.type));
      msg.append(" check");
      error(msg.view());
    }
  });
  if (!group_set && c.type == CheckType::kTcp && c.expect != ExpectPort::kOpen) c.group = Group::kIsolation;

  auto require = [&](bool present, std::string_view key) {
    if (!present) {
      PathScope scope(*this, key);
      error("required");
    }
  };
  require(!c.id.empty(), "id");
  switch (c.type) {
    case CheckType::kTcp: require(!c.host.empty(), "host"); require(find_member(i, "port") >= 0, "port"); break;
    case CheckType::kTlsCert: require(!c.host.empty(), "host"); break;
    case CheckType::kSmtp: require(!c.host.empty(), "host"); break;
    case CheckType::kDns: require(!c.host.empty(), "server"); require(!c.name.empty(), "name"); break;
    case CheckType::kNtp: require(!c.host.empty(), "server"); break;
    case CheckType::kHttp: require(!c.url.empty(), "url"); break;
  }
  if (c.type == CheckType::kSmtp && c.username.empty() != c.password.empty()) {
    error("username and password go together");
  }
  cross_check_tunables(c.tune);
  (void)index;
  ++c_.check_count;
}

void Parser::cross_check_checks() {
  PathScope checks_scope(*this, "checks");
  for (uint16_t a = 0; a < c_.check_count; ++a) {
    PathScope scope(*this, static_cast<size_t>(a));
    const CheckConfig& c = c_.checks[a];
    for (uint16_t b = 0; b < a; ++b) {
      if (c_.text(c_.checks[b].id) == c_.text(c.id)) {
        PathScope id_scope(*this, "id");
        error("duplicate id");
      }
    }
    auto refs_must_be_tls = [&](ListRef list, std::string_view key) {
      for (uint16_t k = 0; k < list.count; ++k) {
        const CheckConfig* other = c_.find_check(c_.text(c_.list_item(list, k)));
        if (other == nullptr || other->type != CheckType::kTlsCert) {
          PathScope key_scope(*this, key);
          PathScope item_scope(*this, static_cast<size_t>(k));
          error("must name a tls_cert check");
        }
      }
    };
    refs_must_be_tls(c.same_cert_as, "same_cert_as");
    refs_must_be_tls(c.distinct_from, "distinct_from");
  }
}

void Parser::root() {
  if (count_ < 1 || tok(0).type != JSMN_OBJECT) {
    error("the document must be a JSON object");
    return;
  }
  // Defaults first: checks inherit them wherever they stand in the document.
  int defaults = find_member(0, "defaults");
  if (defaults >= 0) {
    PathScope scope(*this, "defaults");
    members(defaults, [&](std::string_view key, int v) {
      if (!tunable(key, v, c_.defaults)) error("unknown key");
    });
    cross_check_tunables(c_.defaults);
  }
  bool have_schema = false;
  members(0, [&](std::string_view key, int v) {
    int64_t n;
    if (key == "schema") {
      have_schema = true;
      if (integer(v, 1, 1, n)) c_.schema = 1;
    } else if (key == "device") {
      device(v);
    } else if (key == "network") {
      network(v);
    } else if (key == "defaults") {
      // done above
    } else if (key == "trust_anchors_pem") {
      if (string(v, c_.trust_anchors_pem, 32768, true, true) && !c_.trust_anchors_pem.empty() &&
          c_.text(c_.trust_anchors_pem).find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
        error("must hold PEM certificates");
      }
    } else if (key == "checks") {
      elements(v, [&](size_t index, int w) { check(index, w); });
    } else if (key == "alerts") {
      alerts(v);
    } else if (key == "appliance") {
      appliance(v);
    } else if (key == "maintenance") {
      maintenance(v);
    } else {
      error("unknown key");
    }
  });
  if (!have_schema) {
    PathScope scope(*this, "schema");
    error("required (1)");
  }
  // Explicit checks first, so that one with a generated id overrides it.
  if (e_.empty()) expand_appliance(profile, c_, e_);
  cross_check_checks();
}

void Parser::maintenance(int i) {
  elements(i, [&](size_t, int v) {
    if (c_.maintenance_count >= Config::kMaxMaintenanceWindows) {
      error("at most 16 maintenance windows");
      return;
    }
    MaintenanceWindow& w = c_.maintenance[c_.maintenance_count];
    w = MaintenanceWindow{};
    bool have_start = false, have_end = false;
    members(v, [&](std::string_view key, int x) {
      TextRef t;
      if (key == "start" || key == "end") {
        if (!string(x, t, 20)) return;
        int64_t& target = key == "start" ? w.start_unix : w.end_unix;
        if (!parse_iso8601_utc(c_.text(t), target)) {
          error("must be a UTC time like 2026-11-22T10:00:00Z");
          return;
        }
        (key == "start" ? have_start : have_end) = true;
      } else if (key == "checks") {
        string_list(x, w.checks, 32);
      } else {
        error("unknown key");
      }
    });
    if (!have_start || !have_end) {
      error("start and end are required");
    } else if (w.end_unix <= w.start_unix) {
      error("end must be after start");
    }
    ++c_.maintenance_count;
  });
}

void Parser::appliance(int i) {
  profile.present = true;
  members(i, [&](std::string_view key, int v) {
    int64_t n;
    if (key == "name") {
      if (string(v, profile.name, 12) && !is_valid_check_id(c_.text(profile.name))) error("must be of [a-z0-9._-]");
    } else if (key == "load_balancer") {
      host(v, profile.load_balancer);
    } else if (key == "nodes") {
      c_.begin_list(profile.nodes);
      elements(v, [&](size_t, int w) {
        TextRef t;
        if (host(w, t) && !c_.push_list(profile.nodes, t)) error("too many list items");
      });
    } else if (key == "domain_names") {
      members(v, [&](std::string_view k, int w) {
        TextRef* target = k == "dashboard" ? &profile.dashboard
                          : k == "root_tenant_authority" ? &profile.root_tenant_authority
                          : k == "webtask" ? &profile.webtask : nullptr;
        if (target != nullptr) {
          if (string(w, *target, 253) && !is_valid_hostname(c_.text(*target))) error("must be a host name");
        } else if (k == "app_tenants") {
          if (string_list(w, profile.app_tenants, 253)) {
            for (uint16_t a = 0; a < profile.app_tenants.count; ++a) {
              if (!is_valid_hostname(c_.text(c_.list_item(profile.app_tenants, a)))) {
                PathScope item(*this, static_cast<size_t>(a));
                error("must be a host name");
              }
            }
          }
        } else {
          error("unknown key");
        }
      });
    } else if (key == "ports") {
      members(v, [&](std::string_view k, int w) {
        if (k == "https") {
          if (integer(w, 1, 65535, n)) profile.https_port = static_cast<uint16_t>(n);
        } else if (k == "http") {
          if (integer(w, 1, 65535, n)) profile.http_port = static_cast<uint16_t>(n);
        } else if (k == "mesh") {
          c_.begin_list(profile.mesh_ports);
          elements(w, [&](size_t, int x) {
            TextRef t;
            if (!integer(x, 1, 65535, n)) return;
            // Kept as its decimal text: the port also names the generated check.
            if (!c_.intern(raw(x), t) || !c_.push_list(profile.mesh_ports, t)) {
              error("too many list items");
            }
          });
        } else {
          error("unknown key");
        }
      });
    } else if (key == "resolvers") {
      server_list(v, profile.resolvers, 53);
    } else if (key == "smtp") {
      members(v, [&](std::string_view k, int w) {
        if (k == "host") host(w, profile.smtp_host);
        else if (k == "port") { if (integer(w, 1, 65535, n)) profile.smtp_port = static_cast<uint16_t>(n); }
        else if (k == "username") string(w, profile.smtp_username, 64);
        else if (k == "password") string(w, profile.smtp_password, 128);
        else if (k == "server_name") {
          if (string(w, profile.smtp_server_name, 253) && !is_valid_hostname(c_.text(profile.smtp_server_name))) {
            error("must be a host name");
          }
        } else error("unknown key");
      });
    } else if (key == "ntp") {
      server_list(v, profile.ntp, 123);
    } else if (key == "health_api_key") {
      string(v, profile.health_api_key, 128);
    } else if (key == "egress") {
      server_list(v, profile.egress, 443);
    } else if (key == "isolated_from") {
      server_list(v, profile.isolated_from, 443);
    } else {
      error("unknown key");
    }
  });
  if (profile.name.empty()) {
    PathScope scope(*this, "name");
    error("required");
  }
}

}  // namespace

Status parse_config(std::string_view json, Config& out, ConfigErrors& errors) {
  errors.clear();
  out.reset();
  if (json.size() > PROBEBOX_MAX_CONFIG_BYTES) {
    errors.add("", "config larger than 64 KiB");
    return StatusCode::kInvalidArgument;
  }
  jsmn_parser p;
  jsmn_init(&p);
  int count = jsmn_parse(&p, json.data(), json.size(), g_tokens, kMaxConfigJsonTokens);
  if (count < 0) {
    FixedText<64> msg;
    if (count == JSMN_ERROR_NOMEM) {
      msg.appendf("too many JSON values (more than %u)", static_cast<unsigned>(kMaxConfigJsonTokens));
    } else {
      msg.appendf("not valid JSON (near byte %u)", p.pos);
    }
    errors.add("", msg.view());
    return StatusCode::kInvalidArgument;
  }
  // jsmn stops after the first complete value; anything but whitespace after it is an error.
  for (size_t k = g_tokens[0].end > 0 ? static_cast<size_t>(g_tokens[0].end) : 0; count > 0 && k < json.size(); ++k) {
    char ch = json[k];
    if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') {
      errors.add("", "trailing data after the JSON document");
      return StatusCode::kInvalidArgument;
    }
  }
  // jsmn does not enforce key/value alternation: check the shape before walking it,
  // so the walker can rely on every object member being one string key with a value.
  for (int i = 0; i < count; ++i) {
    const jsmntok_t& t = g_tokens[i];
    bool incomplete = t.start < 0 || t.end < t.start || static_cast<size_t>(t.end) > json.size();
    bool bad_member = t.parent >= 0 && g_tokens[t.parent].type == JSMN_OBJECT && (t.type != JSMN_STRING || t.size != 1);
    bool bad_parent = t.parent >= count;
    if (incomplete || bad_member || bad_parent || (i > 0 && t.parent < 0)) {
      FixedText<64> msg;
      msg.appendf("not valid JSON (near byte %d)", t.start);
      errors.add("", msg.view());
      return StatusCode::kInvalidArgument;
    }
  }
  Parser parser(json, count, out, errors);
  parser.check_keys();
  parser.root();
  return errors.empty() ? Status() : Status(StatusCode::kInvalidArgument);
}

bool is_valid_check_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char ch : id) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_hostname(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t k = 0; k <= host.size(); ++k) {
    if (k == host.size() || host[k] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[k - 1] == '-' || host[k - label] == '-') return false;
      label = 0;
      continue;
    }
    char ch = host[k];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '*';
    if (!ok) return false;
    ++label;
  }
  return true;
}

bool parse_ipv4(std::string_view text, uint32_t& out) {
  uint32_t value = 0;
  int parts = 0;
  size_t k = 0;
  while (parts < 4) {
    if (k >= text.size() || text[k] < '0' || text[k] > '9') return false;
    uint32_t part = 0;
    size_t digits = 0;
    while (k < text.size() && text[k] >= '0' && text[k] <= '9') {
      part = part * 10 + static_cast<uint32_t>(text[k] - '0');
      if (++digits > 3 || part > 255) return false;
      ++k;
    }
    if (digits > 1 && text[k - digits] == '0') return false;  // no octal-looking parts
    value = value << 8 | part;
    if (++parts < 4) {
      if (k >= text.size() || text[k] != '.') return false;
      ++k;
    }
  }
  if (k != text.size()) return false;
  out = value;
  return true;
}

bool parse_iso8601_utc(std::string_view s, int64_t& out) {
  // Exactly YYYY-MM-DDTHH:MM:SSZ.
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  auto num = [&](size_t at, size_t len, int& v) {
    v = 0;
    for (size_t k = at; k < at + len; ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      v = v * 10 + (s[k] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 ||
      mi > 59 || se > 59) {
    return false;
  }
  // Days from civil (proleptic Gregorian).
  int64_t yy = mo <= 2 ? y - 1 : y;
  int64_t era = yy / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  out = days * 86400 + h * 3600 + mi * 60 + se;
  return true;
}

bool is_valid_mail_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || address.size() > 254) return false;
  std::string_view local(address.data(), at);
  std::string_view domain(address.data() + at + 1, address.size() - at - 1);
  // dot-atom: atext runs separated by single dots (RFC 5322 section 3.2.3).
  static constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";
  char previous = '.';
  for (char ch : local) {
    bool atext = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 kAtextSpecials.find(ch) != std::string_view::npos;
    if (!atext && !(ch == '.' && previous != '.')) return false;
    previous = ch;
  }
  if (previous == '.') return false;
  return domain.find('*') == std::string_view::npos && domain.find('_') == std::string_view::npos &&
         is_valid_hostname(domain);
}

bool split_host_port(std::string_view text, std::string_view& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    host = text;
    return !host.empty();
  }
  host = first(text, colon);
  std::string_view digits = after(text, colon + 1);
  if (host.empty() || digits.empty() || digits.size() > 5) return false;
  uint32_t p = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return false;
    p = p * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (p < 1 || p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

}  // namespace probebox
