// GET /api/events: the event log, newest first.
#pragma once
#include "monitor/event_log.h"
#include "core/text.h"

namespace probebox {

void write_events_document(TextBuffer& out, const EventLog& log, int64_t now_mono_us, size_t limit);
// "2026-11-22T10:04:05Z" from Unix seconds (UTC).
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

}  // namespace probebox
