// The cross-check rules of tls_cert (spec/checks.md): every check in a result's
// `same_cert_as` set must present the same certificate (warning otherwise: the load
// balancer and every node serve one certificate), and none in `distinct_from` may
// (critical: prod and dev/test must not share one), nor may it have a fingerprint in
// `distinct_from_sha256` (the other environment's, typed in). Compared against the other
// checks' latest fingerprints, so it holds once each check has run.
#pragma once
#include <cstdint>

#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/probe_result.h"

namespace probebox {

// `result` is refined in place (outcome, reason, summary); `details` are its facts.
void apply_cert_identity_rules(const Config& config, const HealthModel& health, uint16_t check_index,
                               ResultCore& result, const DetailsView& details);
inline void apply_cert_identity_rules(const Config& config, const HealthModel& health, uint16_t check_index,
                                      ProbeResult& result) {
  apply_cert_identity_rules(config, health, check_index, result, result.details.view());
}

}  // namespace probebox
