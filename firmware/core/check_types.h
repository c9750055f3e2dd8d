// The small shared vocabulary of checks: outcome, type and group (spec/checks.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace probebox {

// Ordered by how bad they are for --once's exit status: Monitoring Plugins
// convention, where "unknown" (the probe could not run) outranks critical.
enum class Outcome : uint8_t { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

enum class CheckType : uint8_t { kTcp, kDns, kHttp, kTlsCert, kSmtp, kNtp };
inline constexpr int kCheckTypeCount = 6;

enum class Group : uint8_t { kCert, kDns, kPorts, kSmtp, kHealth, kTime, kEgress, kIsolation };
inline constexpr int kGroupCount = 8;

// When a kind's probe opens a TLS session (it then counts against
// PROBEBOX_MAX_TLS_IN_FLIGHT): never, always, or when its URL is https://.
enum class TlsUse : uint8_t { kNever, kAlways, kHttpsUrl };

// The kind table: one row per CheckType, in enum order (asserted below). The
// parser, the scheduler, the names in every document and the appliance profile read
// it; the two halves that need an upper layer are indexed by the same enum and
// assert their size: the keys each kind accepts (config/config_parser.cpp,
// kKindKeys) and the probe factory (probes/probe_registry.cpp). A new kind is its
// enum value and one row here, one row in each of those two tables.
struct CheckKind {
  CheckType type;
  std::string_view name;     // "type" in the config and in every document
  Group default_group;       // unless the check sets "group"
  uint16_t default_port;     // the port of a host or server without one; 0: none
  TlsUse tls;
  bool needs_wall_clock;     // waits (up to a bound) for the wall clock before it runs
};

inline constexpr CheckKind kCheckKinds[] = {
    // type               name        group          port  tls                 wall clock
    {CheckType::kTcp,     "tcp",      Group::kPorts,  0,   TlsUse::kNever,     false},
    {CheckType::kDns,     "dns",      Group::kDns,    53,  TlsUse::kNever,     false},
    {CheckType::kHttp,    "http",     Group::kHealth, 0,   TlsUse::kHttpsUrl,  false},
    {CheckType::kTlsCert, "tls_cert", Group::kCert,   443, TlsUse::kAlways,    true},
    {CheckType::kSmtp,    "smtp",     Group::kSmtp,   25,  TlsUse::kAlways,    false},
    {CheckType::kNtp,     "ntp",      Group::kTime,   123, TlsUse::kNever,     false},
};
static_assert(std::size(kCheckKinds) == kCheckTypeCount, "one row per CheckType");
constexpr bool check_kinds_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kCheckKinds); ++i) {
    if (static_cast<std::size_t>(kCheckKinds[i].type) != i) return false;
  }
  return true;
}
static_assert(check_kinds_in_enum_order(), "the row of a CheckType is at its index");

inline const CheckKind& check_kind(CheckType t) { return kCheckKinds[static_cast<int>(t)]; }

std::string_view outcome_name(Outcome o);
std::string_view check_type_name(CheckType t);
std::string_view group_name(Group g);
// What the appliance needs that a group guards, in an operator's words.
std::string_view group_requirement(Group g);
std::optional<CheckType> parse_check_type(std::string_view s);
std::optional<Group> parse_group(std::string_view s);
Group default_group(CheckType t);

constexpr Outcome worse(Outcome a, Outcome b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

}  // namespace probebox
