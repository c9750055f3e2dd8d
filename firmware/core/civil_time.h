// Civil time (UTC, proleptic Gregorian) to and from Unix seconds, without libc's time
// functions: the event log, the alerts, the panel and certificate dates all print it,
// and a certificate's validity, an HTTP Date header and the config's dates are read
// into it.
#pragma once
#include <cstdint>

#include "core/text.h"

namespace probebox {

// "2026-11-22T10:04:05Z" from Unix seconds (UTC).
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

// Unix seconds of a civil date and time (UTC). The caller has checked the fields'
// ranges (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-60); any year,
// negative ones included, is on the proleptic Gregorian calendar.
int64_t unix_seconds_from_civil(int64_t year, int month, int day, int hour, int minute, int second);

// "10:04:05" from seconds into a day (0-86399): the timestamps' time of day and the
// panel's uptime.
void append_hh_mm_ss(TextBuffer& out, uint32_t seconds_of_day);

}  // namespace probebox
