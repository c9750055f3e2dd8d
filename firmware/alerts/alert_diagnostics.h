// The alert services' counters, as fields of GET /api/diagnostics. An alert that
// could not be sent is counted and shown there, never dropped silently. The app
// hands this to the web API (web/ does not include alerts/: they are siblings).
#pragma once
#include "alerts/mail_alerter.h"
#include "alerts/syslog_sender.h"
#include "core/json_writer.h"

namespace probebox {

void write_alert_diagnostics(JsonWriter& w, const MailAlerter& mail, const SyslogSender& syslog);

}  // namespace probebox
