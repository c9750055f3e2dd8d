// RFC 5424 syslog lines for state changes, with the check as structured data:
//   <130>1 2026-11-22T10:04:05Z probe-01 probebox - STATE [probebox@32473 check="prod.cert.manage"
//   group="cert" from="ok" state="critical"] prod.cert.manage CRITICAL: expires in 3 days
// Pure formatting; the sender lives in syslog_sender.
#pragma once
#include <cstdint>
#include <string_view>

#include "monitor/event_log.h"
#include "core/text.h"

namespace probebox::syslog {

// 32473 is IANA's example enterprise number (RFC 5612); a registered one replaces
// it before the MIB and SD-IDs are published.
inline constexpr std::string_view kSdId = "probebox@32473";
inline constexpr int kFacilityLocal0 = 16;

int severity_for(Outcome to);
// One message for a hard-state change; `group` is the check's group name.
void format_state_change(TextBuffer& out, const Event& e, std::string_view hostname, std::string_view group);
// One message for a config change (the new config's sequence number).
void format_config_change(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                          std::string_view source);
// One message per lint finding of a stored config (severity warning, MSGID LINT).
void format_config_warning(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                           std::string_view path, std::string_view message);
// SD-PARAM value escaping of RFC 5424 section 6.3.3: '"', '\' and ']'.
void append_sd_value(TextBuffer& out, std::string_view value);

}  // namespace probebox::syslog
