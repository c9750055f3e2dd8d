#include "monitor/cert_identity.h"

namespace probebox {
namespace {

// The other check's latest fingerprint, or empty if it has none yet.
std::string_view fingerprint_of(const Config& config, const HealthModel& health, std::string_view id) {
  for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
    if (config.text(config.checks[i].id) != id) continue;
    const CheckHealth& h = health.check(i);
    return h.has_result ? h.last.details.cert_sha256() : std::string_view();
  }
  return {};
}

}  // namespace

void apply_cert_identity_rules(const Config& config, const HealthModel& health, uint16_t index, ProbeResult& r) {
  const CheckConfig& c = config.checks[index];
  std::string_view mine = r.details.cert_sha256();
  if (c.type != CheckType::kTlsCert || mine.empty()) return;
  for (uint16_t k = 0; k < c.distinct_from.count; ++k) {
    std::string_view other_id = config.text(config.list_item(c.distinct_from, k));
    if (fingerprint_of(config, health, other_id) == mine) {
      r.outcome = Outcome::kCritical;
      r.reason = FailReason::kCertificate;
      r.summary.assign("same certificate as ");
      r.summary.append(other_id);
      r.summary.append(": must be distinct");
      return;
    }
  }
  if (r.outcome != Outcome::kOk) return;  // a worse finding already names the result
  for (uint16_t k = 0; k < c.same_cert_as.count; ++k) {
    std::string_view other_id = config.text(config.list_item(c.same_cert_as, k));
    std::string_view theirs = fingerprint_of(config, health, other_id);
    if (!theirs.empty() && theirs != mine) {
      r.outcome = Outcome::kWarning;
      r.reason = FailReason::kCertificate;
      r.summary.assign("certificate differs from ");
      r.summary.append(other_id);
      return;
    }
  }
}

}  // namespace probebox
