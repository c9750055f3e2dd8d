// The requirements report (GET /api/report, and the printable page): every
// appliance requirement with the checks that guard it, their hard verdicts and
// evidence, stamped with the box's time — what an operator attaches to a change
// ticket as "all requirements met at T". A requirement no check guards is reported
// as "not checked", never as met.
#pragma once
#include <cstdint>

#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/text.h"
#include "hal/clock.h"

namespace probebox {

void write_report_document(TextBuffer& out, const Config& config, const HealthModel& health, hal::WallTime wall,
                           int64_t now_mono_us);

}  // namespace probebox
