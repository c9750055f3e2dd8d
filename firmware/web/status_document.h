// The result document of spec/cli.md: what `--once` prints and /api/status serves
// (the latter adds each check's hard state, since-when and event counts).
#pragma once
#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/text.h"

namespace probebox {

enum class DocumentKind { kOnce, kStatus };

// Overall for --once: the worst latest result; for status: the worst hard state.
Outcome document_overall(const HealthModel& health, DocumentKind kind);
void write_status_document(TextBuffer& out, const Config& config, const HealthModel& health,
                           DocumentKind kind, int64_t now_mono_us);
// "host:port" or the URL: what the check aims at.
void write_check_target(TextBuffer& out, const Config& config, const CheckConfig& check);
// The config's lint (the appliance profile's DNS plan and cluster rules), each
// finding with its JSON path: `"warnings": [{"path": ..., "message": ...}]`.
class JsonWriter;
void write_config_warnings(JsonWriter& w, const Config& config);

}  // namespace probebox
