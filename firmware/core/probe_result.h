// What one run of one check yields (spec/checks.md): outcome, one-line summary,
// latency, and the type's `details` as a JSON object, plus the few numbers that
// metrics and the panel need without parsing JSON.
#pragma once
#include <cstdint>

#include "core/check_types.h"
#include "core/text.h"

namespace probebox {

struct ProbeMeasurements {
  bool has_days_left = false;
  int32_t days_left = 0;
  int64_t not_after_unix = 0;
  bool has_ntp_offset = false;
  int64_t ntp_offset_us = 0;
  int http_status = 0;
  int64_t dns_lookup_us = -1;
  FixedText<64> cert_sha256;  // lower-case hex; compared across same_cert_as / distinct_from
};

struct ProbeResult {
  static constexpr size_t kSummaryChars = 120;
  static constexpr size_t kDetailsChars = 896;

  Outcome outcome = Outcome::kUnknown;
  FixedText<kSummaryChars> summary;
  int64_t latency_us = 0;
  FixedText<kDetailsChars> details;  // a JSON object, "{...}"
  ProbeMeasurements measurements;

  void reset() {
    outcome = Outcome::kUnknown;
    summary.clear();
    latency_us = 0;
    details.clear();
    measurements = {};
  }
};

}  // namespace probebox
