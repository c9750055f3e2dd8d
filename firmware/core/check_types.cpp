#include "core/check_types.h"

#include <cstddef>
#include <iterator>

namespace probebox {
namespace {
constexpr std::string_view kOutcomeNames[] = {"ok", "warning", "critical", "unknown"};
constexpr std::string_view kGroupNames[] = {"cert", "dns", "ports", "smtp", "health", "time", "egress", "isolation"};
constexpr std::string_view kGroupRequirements[] = {
    "TLS certificate", "DNS records", "network ports", "SMTP relay",
    "health endpoint", "time synchronization", "internet egress", "network isolation"};
static_assert(std::size(kOutcomeNames) == static_cast<size_t>(Outcome::kUnknown) + 1);
static_assert(std::size(kGroupNames) == kGroupCount);
static_assert(std::size(kGroupRequirements) == kGroupCount);
}  // namespace

std::string_view outcome_name(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }
std::string_view check_type_name(CheckType t) { return kCheckKinds[static_cast<int>(t)].name; }
std::string_view group_name(Group g) { return kGroupNames[static_cast<int>(g)]; }
std::string_view group_requirement(Group g) { return kGroupRequirements[static_cast<int>(g)]; }
Group default_group(CheckType t) { return kCheckKinds[static_cast<int>(t)].default_group; }

std::optional<CheckType> parse_check_type(std::string_view s) {
  for (int i = 0; i < kCheckTypeCount; ++i) {
    if (kCheckKinds[i].name == s) return static_cast<CheckType>(i);
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
