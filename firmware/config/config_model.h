// The typed, validated config (spec/config.md). Every string and list lives in one
// arena owned by the Config, referenced by offset, so a Config can be copied whole
// (validate into a scratch copy, then swap) and its size is known at compile time.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "core/check_types.h"
#include "core/lazy_array.h"
#include "core/limits.h"

namespace probebox {

// An offset into the arena or the text: 16 bits when the arena is 64 KiB or less
// (the target), so a TextRef is 4 bytes; the simulator's scale arena needs 32.
#if PROBEBOX_CONFIG_ARENA_BYTES <= 65536
using ArenaOffset = uint16_t;
#else
using ArenaOffset = uint32_t;
#endif

// A string of the config: in the arena, or — for a config read in place
// (parse_config_in_place()) — where it lies in the document itself, when the JSON
// string has no escape to undo. One bit says which: the top bit of the length
// with 16-bit offsets (so such a string is at most 32,767 bytes; a longer one is
// copied), of the offset with 32-bit ones.
// Trivial (no member initialisers), so the kind arms of CheckConfig can hold it:
// `TextRef{}` or a value-initialised owner is the empty string.
struct TextRef {
#if PROBEBOX_CONFIG_ARENA_BYTES <= 65536
  static constexpr size_t kMaxInText = 0x7FFF;
  uint16_t offset_;
  uint16_t bits_;  // length | kFlag
  static constexpr uint16_t kFlag = 0x8000;
  size_t offset() const { return offset_; }
  size_t size() const { return bits_ & 0x7FFFu; }
  bool in_text() const { return (bits_ & kFlag) != 0; }
  static TextRef make(size_t offset, size_t length, bool text) {
    TextRef r{};
    r.offset_ = static_cast<uint16_t>(offset);
    r.bits_ = static_cast<uint16_t>(length | (text ? kFlag : 0u));
    return r;
  }
#else
  static constexpr size_t kMaxInText = 0xFFFF;
  uint32_t offset_;  // offset | kFlag
  uint16_t bits_;    // length
  static constexpr uint32_t kFlag = 0x80000000u;
  size_t offset() const { return offset_ & 0x7FFFFFFFu; }
  size_t size() const { return bits_; }
  bool in_text() const { return (offset_ & kFlag) != 0; }
  static TextRef make(size_t offset, size_t length, bool text) {
    TextRef r{};
    r.offset_ = static_cast<uint32_t>(offset) | (text ? kFlag : 0u);
    r.bits_ = static_cast<uint16_t>(length);
    return r;
  }
#endif
  bool empty() const { return size() == 0; }
  // Part of this string (at + n <= size()), where it lies.
  TextRef sub(size_t at, size_t n) const { return make(offset() + at, n, in_text()); }
  TextRef first(size_t n) const { return sub(0, n); }
};

// Trivial, as TextRef: `ListRef{}` is the empty list.
struct ListRef {
  uint16_t first;
  uint16_t count;
};

// A host:port entry that is an IPv4 literal, parsed at load for a service that must
// not depend on DNS (the box's clock, SNMP traps).
struct Ipv4Endpoint {
  uint32_t ip = 0;  // host byte order
  uint16_t port = 0;
};

// Thresholds and timing; "defaults" and every check carry the same set. 128 checks
// carry it in RAM on the target, so each field has the bits its range needs
// (config_values.cpp, kTunableKeys, asserts that every range fits) and the set is
// packed: 19 bytes. Read a field as a value (it promotes to int; widen before a
// product that could pass 2^31); a bit-field cannot be bound to a reference.
struct __attribute__((packed)) Tunables {
  static constexpr int kIntervalBits = 17;    // interval_s 1..86400
  static constexpr int kTimeoutBits = 17;     // timeout_ms 1..120000
  static constexpr int kConfirmBits = 4;      // confirm 1..10
  static constexpr int kWindowBits = 6;       // confirm_window 0..32
  static constexpr int kCertDaysBits = 12;    // cert_warn_days, cert_crit_days 0..3650
  static constexpr int kNtpMsBits = 22;       // ntp_warn_ms, ntp_crit_ms 1..3600000
  static constexpr int kLatencyBits = 20;     // latency_warn_ms 1..600000
  static constexpr int kSkewBits = 17;        // clock_skew_warn_s 1..86400

  uint32_t interval_s : kIntervalBits = 30;
  uint32_t timeout_ms : kTimeoutBits = 5000;
  uint32_t confirm : kConfirmBits = 2;
  uint32_t confirm_window : kWindowBits = 0;  // 0: consecutive; else `confirm` bad of the last N
  // Certificates are verified to the built-in public roots (Debian's ca-certificates,
  // in flash) as well as to trust_anchors_pem; false for a private-PKI site.
  bool public_roots : 1 = true;
  uint32_t cert_warn_days : kCertDaysBits = 30;
  uint32_t cert_crit_days : kCertDaysBits = 14;
  uint32_t ntp_warn_ms : kNtpMsBits = 500;
  uint32_t ntp_crit_ms : kNtpMsBits = 2000;
  uint32_t latency_warn_ms : kLatencyBits = 2000;
  uint32_t clock_skew_warn_s : kSkewBits = 5;
};
static_assert(sizeof(Tunables) <= 19, "the tunables packed: 150 bits");

// kUnreachable: isolation, the host must not answer at all (spec/checks.md, tcp).
enum class ExpectPort : uint8_t { kOpen, kClosed, kUnreachable };
enum class StartTls : uint8_t { kPrefer, kRequire, kNever };

// What a generated check stands for in the appliance (set by the profile, not a config
// key): the load balancer's cross-check and the requirements report find their
// checks by it, never by the shape of an id.
enum class CheckRole : uint8_t { kNone, kLbTestall, kNodeTestall, kLbPort, kMeshPort };

// The fields every kind has first, then the kind's own in one union (a tcp check
// has no url, an http check no names): each arm is read and written only for its
// kinds (the parser takes only the kind's keys, the profile builds each kind's, every
// reader goes by `type`). A row is value-initialised (LazyArray::reset), so the arms
// start as empty strings and lists. 128 rows of it sit in RAM on the target: 68
// bytes each there (the flags are bits, the tunables packed, the status codes in the
// arena).
struct CheckConfig {
  static constexpr int kMaxStatusCodes = 8;

  TextRef id{};

  // Target: tcp, tls_cert, smtp use host+port; dns and ntp use server (host[:port]),
  // already split into host+port here; http uses url (split into host and port).
  TextRef host{};

  union {
    struct {  // dns
      TextRef name;
      ListRef expect_addresses;
      uint16_t qtype;  // 1: A, 28: AAAA (parse_check sets it: A unless `record` says)
    };
    struct {  // http: the url, split once at load (split_check_url) into host and
              // port above and path, so a URL the probe cannot request is a config
              // error with its path.
      TextRef url;
      TextRef path;  // with the query; empty stands for "/"
      TextRef host_header;
      TextRef basic_user;
      TextRef basic_password;
      TextRef expect_body;
      // The codes (100..599, at most kMaxStatusCodes), 2 bytes each in the arena:
      // Config::status_codes() reads them, Config::intern_status_codes() writes them.
      TextRef expect_status;  // none: 200 only
      TextRef warn_status;
    };
    struct {  // tls_cert and smtp (both name the certificate's host in server_name)
      TextRef server_name;
      ListRef names;
      ListRef same_cert_as;
      ListRef distinct_from;
      // Fingerprints (64 hex digits) this certificate must not have: the other
      // environment's, which the box cannot reach (critical when equal).
      ListRef distinct_from_sha256;
      // smtp: the AUTH credentials (an http check's are basic_user/basic_password).
      TextRef username;
      TextRef password;
    };
  };

  uint16_t port = 0;

  CheckType type = CheckType::kTcp;
  Group group = Group::kPorts;
  CheckRole role = CheckRole::kNone;
  ExpectPort expect = ExpectPort::kOpen;
  StartTls starttls = StartTls::kPrefer;  // smtp
  bool generated : 1 = false;  // expanded from the appliance profile
  bool https : 1 = false;      // http
  bool expect_body_set : 1 = false;
  // http: the HTTPS-only rule on the plain-HTTP port: a 301/308 to https:// on the
  // same host is ok, a closed port too; anything else a warning (spec/checks.md, http).
  bool expect_https_redirect : 1 = false;
  bool full_handshake : 1 = false;  // tls_cert, benchmarks: complete the handshake instead of stopping early
  // tls_cert, set by the profile for egress (not a config key): the certificate is
  // another party's, so only trust, names and validity are judged — not the
  // appliance's own rules (an RSA key, the expiry notices of cert_warn_days/cert_crit_days).
  bool trust_only : 1 = false;
  // smtp: AUTH over a connection without TLS (starttls "never", or not offered): off
  // unless the operator accepts the password crossing the LAN in clear.
  bool allow_auth_without_tls : 1 = false;

  Tunables tune;  // last: 1-aligned
};
#if PROBEBOX_CONFIG_ARENA_BYTES <= 65536
static_assert(sizeof(CheckConfig) <= 68, "128 rows in RAM on the target: keep a row at 68 bytes or less");
#endif

struct NetworkConfig {
  bool dhcp = true;
  uint32_t address = 0;  // host byte order, static mode
  uint8_t prefix_length = 0;
  uint32_t gateway = 0;
  ListRef dns{};  // "host[:port]" strings
  // The resolvers as parsed at load (the parser lets only IPv4 literals through, at
  // most two, one port for all): resolvers[k] is dns item k.
  struct Resolver {
    uint32_t ip = 0;  // host byte order
    uint16_t port = 53;
  };
  std::array<Resolver, 2> resolvers{};
  ListRef ntp{};
  // ntp as parsed at load for the box's own clock: the IPv4 literals in order, the
  // first kMaxClockServers of them (the clock must not hang on a name it would need
  // DNS, and so the time, to trust; a name still serves a generated ntp check).
  static constexpr int kMaxClockServers = 4;
  std::array<Ipv4Endpoint, kMaxClockServers> clock_servers{};
  uint8_t clock_server_count = 0;
};

struct AlertsConfig {
  ListRef mail_to{};
  TextRef mail_from{};
  TextRef mail_server{};  // the host only; "" = the smtp check's relay
  uint16_t mail_port = 25;
  TextRef syslog_server{};
  TextRef syslog_host{};       // syslog_server split at load: its host part
  uint16_t syslog_port = 514;
  // SNMP (alerts.snmp): the agent answers nothing unless a v2c community or a v3
  // user is configured, and never accepts a write. All four strings are secrets.
  TextRef snmp_community{};       // v2c read-only community; "" = v2c off
  TextRef snmp_trap_community{};  // the community traps carry ("public" if unset)
  ListRef snmp_trap_to{};
  // trap_to as parsed at load: the IPv4 literals in order (a name would need DNS;
  // the agent sends to literals only), the first kMaxTrapTargets of them.
  static constexpr int kMaxTrapTargets = 4;
  std::array<Ipv4Endpoint, kMaxTrapTargets> trap_targets{};
  uint8_t trap_target_count = 0;
  TextRef snmp_v3_user{};           // "" = SNMPv3 off
  TextRef snmp_v3_auth_password{};  // HMAC-SHA-96 (RFC 3414)
  TextRef snmp_v3_priv_password{};  // AES-128-CFB (RFC 3826)
};

// A planned window in which checks keep probing and logging but alerts are held
// and the panel shows "maintenance". No `checks` list means every check.
struct MaintenanceWindow {
  int64_t start_unix = 0;
  int64_t end_unix = 0;
  ListRef checks{};
};

// A lint finding on the config that does not stop it loading (the DNS plan rules):
// its texts are in the arena (Config::warning_path(), warning_message()).
struct ConfigWarning {
  TextRef path{};
  TextRef message{};
};

class Config {
 public:
  static constexpr size_t kArenaBytes = PROBEBOX_CONFIG_ARENA_BYTES;
  static constexpr size_t kMaxChecks = PROBEBOX_MAX_CHECKS;
  static constexpr size_t kMaxListItems = 4 * PROBEBOX_MAX_CHECKS + 64;
  static constexpr size_t kMaxWarnings = 16;
  static constexpr size_t kMaxMaintenanceWindows = 16;

  Config() = default;
  // Copies what is in use: the rows, the arena up to its end, the list items.
  // operator= names every member: a new one must be added there.
  Config(const Config& other) { *this = other; }
  Config& operator=(const Config& other);

  std::string_view text(TextRef ref) const {
    return {(ref.in_text() ? text_ : arena_.data()) + ref.offset(), ref.size()};
  }
  TextRef list_item(ListRef list, size_t i) const { return list_items_[list.first + i]; }
  // An http check's status codes (CheckConfig::expect_status, warn_status): copied
  // out into `out`, their count returned.
  size_t status_codes(TextRef ref, std::array<uint16_t, CheckConfig::kMaxStatusCodes>& out) const;
  // Stores up to kMaxStatusCodes codes in the arena; false when it is full.
  bool intern_status_codes(const uint16_t* codes, size_t count, TextRef& out);

  // Appends to the arena / list store; false when full. A string that lies in the
  // document of a config read in place is referred to where it lies instead.
  bool intern(std::string_view s, TextRef& out);
  bool begin_list(ListRef& list) const;
  bool push_list(ListRef& list, TextRef item);

  void reset();
  // Strings may from now on be referred to in `json` (which must stay unchanged
  // where it is while this config is used: parse_config_in_place()), or not.
  void read_in_place(std::string_view json) {
    text_ = json.data();
    text_size_ = json.size();
  }
  // The same document at another address (byte for byte the same: the stored
  // copy of a document given at start, read in place).
  void move_text(std::string_view same) { text_ = same.data(); }
  // The document strings are read from in place (nullptr: every string is copied).
  const char* in_place_text() const { return text_; }

  // The arena's and the list store's use: what a config needs of them.
  size_t arena_used() const { return arena_used_; }
  size_t list_items_used() const { return list_items_used_; }

  int schema = 1;
  TextRef device_name{};
  TextRef device_location{};
  NetworkConfig network;
  Tunables defaults;
  TextRef trust_anchors_pem{};
  AlertsConfig alerts;
  LazyArray<CheckConfig, kMaxChecks> checks;  // rows [0, check_count)
  uint16_t check_count = 0;
  std::array<MaintenanceWindow, kMaxMaintenanceWindows> maintenance{};
  uint16_t maintenance_count = 0;
  std::array<ConfigWarning, kMaxWarnings> warnings{};
  uint16_t warning_count = 0;

  const CheckConfig* find_check(std::string_view id) const;
  std::string_view warning_path(size_t i) const { return text(warnings[i].path); }
  std::string_view warning_message(size_t i) const { return text(warnings[i].message); }

 private:
  friend class ConfigArenaWriter;
  // Not value-initialised, like the tables: only arena_used_ bytes are ever read
  // (core/lazy_array.h says why that matters).
  std::array<char, kArenaBytes> arena_;
  uint32_t arena_used_ = 0;
  const char* text_ = nullptr;  // the document read in place, if any
  size_t text_size_ = 0;
  LazyArray<TextRef, kMaxListItems> list_items_;
  uint16_t list_items_used_ = 0;
};

}  // namespace probebox

namespace probebox {
// Raw access for the parser: reserve room in the arena, write, then commit.
class ConfigArenaWriter {
 public:
  explicit ConfigArenaWriter(Config& c) : config_(c) {}
  bool intern_json_string(std::string_view raw, TextRef& out, bool& bad_escape);

 private:
  Config& config_;
};
// Splits an http check's url (already in the config's text) into host, port, https
// and path: false when it is not a URL the probe can request.
bool split_check_url(const Config& config, CheckConfig& check);

}  // namespace probebox
