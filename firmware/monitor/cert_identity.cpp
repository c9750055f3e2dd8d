#include "monitor/cert_identity.h"

namespace probebox {
namespace {

// The other check's latest fingerprint, or empty if it has none yet.
std::string_view fingerprint_of(const Config& config, const HealthModel& health, std::string_view id) {
  for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
    if (config.text(config.checks[i].id) != id) continue;
    const CheckHealth& h = health.check(i);
    // A staged result is this cycle's, waiting for exactly this comparison.
    return h.has_result || h.staged ? h.last.details().cert_sha256() : std::string_view();
  }
  return {};
}

bool same_hex(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'F' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'F' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

void apply_cert_identity_rules(const Config& config, const HealthModel& health, uint16_t index, ResultCore& r,
                               const DetailsView& details) {
  const CheckConfig& c = config.checks[index];
  std::string_view mine = details.cert_sha256();
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
  // The other environment's fingerprints, given by the operator (this box cannot
  // reach that network): prod and dev/test must not share a certificate.
  for (uint16_t k = 0; k < c.distinct_from_sha256.count; ++k) {
    if (same_hex(config.text(config.list_item(c.distinct_from_sha256, k)), mine)) {
      r.outcome = Outcome::kCritical;
      r.reason = FailReason::kCertificate;
      r.summary.assign("same certificate as the other environment: must be distinct");
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
