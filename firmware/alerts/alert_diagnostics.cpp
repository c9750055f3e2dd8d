#include "alerts/alert_diagnostics.h"

namespace probebox {

void write_alert_diagnostics(JsonWriter& w, const MailAlerter& mail, const SyslogSender& syslog) {
  w.key("mail").begin_object().field_bool("enabled", mail.enabled()).field_int("sent", mail.sent())
      .field_int("failed_attempts", mail.failed_attempts()).field_int("pending", mail.pending())
      .field_int("dropped", mail.dropped()).field("last_error", mail.last_error()).end_object();
  w.key("syslog").begin_object().field_bool("enabled", syslog.enabled()).field_int("sent", syslog.sent())
      .field_int("failed", syslog.failed()).field_int("missed", syslog.missed()).end_object();
}

}  // namespace probebox
