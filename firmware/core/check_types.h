// The small shared vocabulary of checks: outcome, type and group (spec/checks.md).
#pragma once
#include <cstdint>
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

// The kind table: one row per CheckType, in enum order (check_types.cpp asserts
// both). The parser (config/config_parser.cpp keys each kind accepts), the
// scheduler, the documents and the probe factory (probes/probe_registry.cpp,
// indexed by the same enum) all read it; a new kind is one row here.
struct CheckKind {
  CheckType type;
  std::string_view name;     // "type" in the config and in every document
  Group default_group;       // unless the check sets "group"
  uint16_t default_port;     // the port of a host or server without one; 0: none
  TlsUse tls;
  bool needs_wall_clock;     // waits (up to a bound) for the wall clock before it runs
};

const CheckKind& check_kind(CheckType t);

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
