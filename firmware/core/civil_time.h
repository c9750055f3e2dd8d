// Civil time (UTC, proleptic Gregorian) from Unix seconds, without libc's time
// functions: the event log, the alerts, the panel and certificate dates all print it.
#pragma once
#include <cstdint>

#include "core/text.h"

namespace probebox {

// "2026-11-22T10:04:05Z" from Unix seconds (UTC).
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

// "10:04:05" from seconds into a day (0-86399): the timestamps' time of day and the
// panel's uptime.
void append_hh_mm_ss(TextBuffer& out, uint32_t seconds_of_day);

}  // namespace probebox
