// The config parser's checks: the keys every check accepts, the per-kind keys (the
// config half of the kind table), the required keys per kind and the checks'
// cross-references.
#include <cstdint>
#include <initializer_list>
#include <iterator>

#include "config/config_reader.h"
#include "config/config_validators.h"
#include "core/check_types.h"

namespace probebox::config_parse {

// The config half of the kind table (core/check_types.h holds the rest): the keys
// that only some kinds of check accept (all accept id, type, group and the tunables),
// and, indexed by CheckType, which of them each kind accepts. Two kinds may give one
// name different meanings ("username"): each meaning is its own key.
enum class CheckKey : uint8_t {
  kHost, kPort, kServer, kServerName,
  kTcpExpect,
  kDnsName, kDnsRecord, kDnsExpectAddresses,
  kHttpUrl, kHttpHostHeader, kHttpUsername, kHttpPassword, kHttpExpectStatus, kHttpWarnStatus, kHttpExpectBody,
  kHttpExpectHttpsRedirect,
  kTlsNames, kTlsSameCertAs, kTlsDistinctFrom, kTlsDistinctFromSha256, kTlsFullHandshake,
  kSmtpStartTls, kSmtpUsername, kSmtpPassword, kSmtpAllowAuthWithoutTls,
  kCount
};

namespace {

constexpr std::string_view kCheckKeyNames[] = {
    "host", "port", "server", "server_name",
    "expect",
    "name", "record", "expect_addresses",
    "url", "host_header", "username", "password", "expect_status", "warn_status", "expect_body",
    "expect_https_redirect",
    "names", "same_cert_as", "distinct_from", "distinct_from_sha256", "full_handshake",
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
                             K::kHttpExpectStatus, K::kHttpWarnStatus, K::kHttpExpectBody,
                             K::kHttpExpectHttpsRedirect})},
    {CheckType::kTlsCert, keys({K::kHost, K::kPort, K::kServerName, K::kTlsNames, K::kTlsSameCertAs,
                                K::kTlsDistinctFrom, K::kTlsDistinctFromSha256, K::kTlsFullHandshake})},
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

}  // namespace

void ConfigReader::kind_key(CheckConfig& c, CheckKey key, int v) {
  TextRef t{};
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
      if (first(u, 7) != "http://" && first(u, 8) != "https://") {
        error("must start with http:// or https://");
      } else if (!split_check_url(c_, c)) {
        error("must be http[s]://host[:port][/path], no spaces or user@");
      }
      break;
    }
    case CheckKey::kHttpHostHeader: host(v, c.host_header); break;
    case CheckKey::kHttpUsername:
      if (string(v, c.basic_user, 64) && c_.text(c.basic_user).find(':') != std::string_view::npos) {
        error("must not contain ':'");
      }
      break;
    case CheckKey::kHttpPassword: string(v, c.basic_password, 128); break;
    case CheckKey::kHttpExpectStatus: status_list(v, c.expect_status); break;
    case CheckKey::kHttpWarnStatus: status_list(v, c.warn_status); break;
    case CheckKey::kHttpExpectBody: c.expect_body_set = string(v, c.expect_body, 256, true); break;
    case CheckKey::kHttpExpectHttpsRedirect: {
      bool b = false;
      if (boolean(v, b)) c.expect_https_redirect = b;
      break;
    }
    case CheckKey::kTlsNames: string_list(v, c.names, 253); break;
    case CheckKey::kTlsSameCertAs: string_list(v, c.same_cert_as, 32); break;
    case CheckKey::kTlsDistinctFrom: string_list(v, c.distinct_from, 32); break;
    case CheckKey::kTlsDistinctFromSha256: sha256_list(v, c.distinct_from_sha256); break;
    case CheckKey::kTlsFullHandshake: {
      bool b = false;
      if (boolean(v, b)) c.full_handshake = b;
      break;
    }
    case CheckKey::kSmtpStartTls:
      if (!string(v, t, 8)) break;
      if (c_.text(t) == "prefer") c.starttls = StartTls::kPrefer;
      else if (c_.text(t) == "require") c.starttls = StartTls::kRequire;
      else if (c_.text(t) == "never") c.starttls = StartTls::kNever;
      else error("must be \"prefer\", \"require\" or \"never\"");
      break;
    case CheckKey::kSmtpUsername: string(v, c.username, 64); break;
    case CheckKey::kSmtpPassword: string(v, c.password, 128); break;
    case CheckKey::kSmtpAllowAuthWithoutTls: {
      bool b = false;
      if (boolean(v, b)) c.allow_auth_without_tls = b;
      break;
    }
    case CheckKey::kCount: break;
  }
}

bool ConfigReader::check_member(CheckConfig& c, std::string_view key, int v) {
  TextRef t{};
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

void ConfigReader::check(size_t index, int i) {
  if (kind(i) != json::Kind::kObject) {
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
    TextRef t{};
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
  if (c.type == CheckType::kDns) c.qtype = 1;  // A unless `record` says AAAA
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
  if (c.type == CheckType::kHttp && c.expect_https_redirect && first(c_.text(c.url), 7) != "http://") {
    PathScope scope(*this, "expect_https_redirect");
    error("needs an http:// url (the HTTPS-only rule is about plain HTTP)");
  }
  if (c.type == CheckType::kSmtp && c.username.empty() != c.password.empty()) {
    error("username and password go together");
  }
  cross_check_tunables(c.tune);
  (void)index;
  ++c_.check_count;
}

void ConfigReader::cross_check_checks() {
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
    if (c.type == CheckType::kTlsCert) {  // the only kind with these lists
      refs_must_be_tls(c.same_cert_as, "same_cert_as");
      refs_must_be_tls(c.distinct_from, "distinct_from");
    }
  }
}

}  // namespace probebox::config_parse
