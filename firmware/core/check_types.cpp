#include "core/check_types.h"

namespace probebox {
namespace {
constexpr std::string_view kOutcomeNames[] = {"ok", "warning", "critical", "unknown"};
constexpr std::string_view kTypeNames[] = {"tcp", "dns", "http", "tls_cert", "smtp", "ntp"};
constexpr std::string_view kGroupNames[] = {"cert", "dns", "ports", "smtp", "health", "time", "egress", "isolation"};
constexpr std::string_view kGroupRequirements[] = {
    "TLS certificate", "DNS records", "network ports", "SMTP relay",
    "health endpoint", "time synchronization", "internet egress", "network isolation"};
constexpr Group kDefaultGroups[] = {Group::kPorts, Group::kDns,  Group::kHealth,
                                    Group::kCert,  Group::kSmtp, Group::kTime};
}  // namespace

std::string_view outcome_name(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }
std::string_view check_type_name(CheckType t) { return kTypeNames[static_cast<int>(t)]; }
std::string_view group_name(Group g) { return kGroupNames[static_cast<int>(g)]; }
std::string_view group_requirement(Group g) { return kGroupRequirements[static_cast<int>(g)]; }
Group default_group(CheckType t) { return kDefaultGroups[static_cast<int>(t)]; }

std::optional<CheckType> parse_check_type(std::string_view s) {
  for (int i = 0; i < kCheckTypeCount; ++i) {
    if (kTypeNames[i] == s) return static_cast<CheckType>(i);
  }
  return std::nullopt;
}

std::optional<Group> parse_group(std::string_view s) {
  for (int i = 0; i < kGroupCount; ++i) {
    if (kGroupNames[i] == s) return static_cast<Group>(i);
  }
  return std::nullopt;
}

}  // namespace probebox
