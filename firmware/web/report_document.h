// The requirements report (GET /api/report, and the printable page), keyed to the
// appliance's documentation (notes/appliance-requirements.md): one row per documented
// requirement, each `met`, `not met` or `not checkable from this box` (with why), the
// checks that guard it and their evidence, stamped with the box's time — what an
// operator attaches to a change ticket as "all requirements met at T".
//
// A row is met only when it has guards, every guard has a result and every guard's
// fact for this row holds (a certificate row reads its own fact of the certificate:
// the names, the chain, the issuer, the key, the expiry, the fingerprint). A row with
// no guard, or one still waiting for a result, is `not met`, never met. `all_met` is
// true only when every checkable row is met.
#pragma once
#include <array>
#include <cstdint>

#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/text.h"
#include "hal/clock.h"

namespace probebox {

enum class RowVerdict : uint8_t { kMet, kNotMet, kNotCheckable };
const char* row_verdict_name(RowVerdict v);  // "met", "not met", "not checkable from this box"

enum class RowKey : uint8_t {
  kCertNames, kCertChain, kCertPublicCa, kCertRsa, kCertExpiry, kCertUnique,
  kHttpsOnly, kDnsRecords, kDnsPlan, kMeshPorts, kLbPort, kPortsBetweenNodes,
  kNodesHealthy, kLbHealthChecks, kLbForwarding, kSmtp, kTime, kEgress, kIsolation, kSingleNic,
};
inline constexpr int kRequirementRows = 20;

struct RequirementRow {
  RowKey key;
  const char* id;           // stable, e.g. "cert.names"
  const char* requirement;  // the documented requirement, in the documentation's words
  const char* source;       // where it is documented (appliance-requirements section)
  RowVerdict verdict = RowVerdict::kNotMet;
  uint16_t guards = 0;      // checks that guard the row
  uint16_t failing = 0;     // guards whose fact does not hold (or has no result yet)
  const char* why = "";     // not checkable: why; not met without a failing guard: why
};

// The rows' verdicts from the config and the checks' latest results. Pure.
// Returns all_met: every row that is checkable is met.
bool judge_requirements(const Config& config, const HealthModel& health, bool clock_valid,
                        std::array<RequirementRow, kRequirementRows>& rows);

// Whether check `i` guards `key`, and if so whether its fact for the row holds; the
// row's evidence for that check (one short line) goes to `evidence`.
bool guards_row(RowKey key, const Config& config, uint16_t i);
bool row_fact_holds(RowKey key, const Config& config, const HealthModel& health, uint16_t i, TextBuffer& evidence);

void write_report_document(TextBuffer& out, const Config& config, const HealthModel& health, hal::WallTime wall,
                           int64_t now_mono_us);

}  // namespace probebox
