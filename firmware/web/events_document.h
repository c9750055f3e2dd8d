// GET /api/events: the event log, newest first.
#pragma once
#include "core/civil_time.h"
#include "core/text.h"
#include "monitor/event_log.h"

namespace probebox {

void write_events_document(TextBuffer& out, const EventLog& log, int64_t now_mono_us, size_t limit);

}  // namespace probebox
