// Civil time (UTC, proleptic Gregorian) from Unix seconds, without libc's time
// functions: the event log, the alerts, the panel and certificate dates all print it.
#pragma once
#include <cstdint>

#include "core/text.h"

namespace probebox {

// "2026-11-22T10:04:05Z" from Unix seconds (UTC).
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

}  // namespace probebox
