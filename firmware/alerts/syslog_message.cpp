#include "alerts/syslog_message.h"

#include "core/civil_time.h"

namespace probebox::syslog {
namespace {

void append_header(TextBuffer& out, int severity, int64_t wall_unix_us, std::string_view hostname,
                   std::string_view msgid) {
  out.appendf("<%d>1 ", kFacilityLocal0 * 8 + severity);
  if (wall_unix_us != 0) {
    append_iso8601(out, wall_unix_us / 1'000'000);
  } else {
    out.append('-');  // no synchronised clock: RFC 5424's NILVALUE, not a made-up time
  }
  out.append(' ');
  // HOSTNAME is PRINTUSASCII without spaces.
  if (hostname.empty()) hostname = "probebox";
  for (char c : hostname) out.append(c > 32 && c < 127 ? c : '_');
  out.append(" probebox - ");
  out.append(msgid);
  out.append(' ');
}

// One message is one line: a control character from a peer's words (a CR/LF that
// a receiver splitting on line ends would take for a second message) is a space.
void append_text(TextBuffer& out, std::string_view s) {
  for (char c : s) out.append(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c);
}

void upper(TextBuffer& out, std::string_view s) {
  for (char c : s) out.append(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
}

}  // namespace

int severity_for(Outcome to) {
  switch (to) {
    case Outcome::kCritical: return 2;  // crit
    case Outcome::kUnknown: return 3;   // err: the box cannot tell
    case Outcome::kWarning: return 4;   // warning
    case Outcome::kOk: return 5;        // notice: a recovery is worth reading
  }
  return 5;
}

void append_sd_value(TextBuffer& out, std::string_view value) {
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out.append('\\');
    out.append(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c);
  }
}

void format_state_change(TextBuffer& out, const Event& e, std::string_view hostname, std::string_view group) {
  append_header(out, severity_for(e.to), e.wall_unix_us, hostname, "STATE");
  out.append('[');
  out.append(kSdId);
  out.append(" check=\"");
  append_sd_value(out, e.check_id.view());
  out.append("\" group=\"");
  append_sd_value(out, group);
  out.append("\" from=\"");
  out.append(e.first ? std::string_view("none") : outcome_name(e.from));
  out.append("\" state=\"");
  out.append(outcome_name(e.to));
  out.append(e.maintenance ? "\" maintenance=\"true\"] " : "\"] ");
  out.append(e.check_id.view());
  out.append(' ');
  upper(out, outcome_name(e.to));
  out.append(": ");
  append_text(out, e.summary.view());
}

namespace {
// A config message's header and the start of its structured data, up to the
// opening quote of its second parameter.
void begin_config_message(TextBuffer& out, int severity, int64_t wall_unix_us, std::string_view hostname,
                          std::string_view msgid, uint32_t sequence, std::string_view second_param) {
  append_header(out, severity, wall_unix_us, hostname, msgid);
  out.append('[');
  out.append(kSdId);
  out.appendf(" sequence=\"%lu\" ", static_cast<unsigned long>(sequence));
  out.append(second_param);
  out.append("=\"");
}
}  // namespace

void format_config_change(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                          std::string_view source) {
  begin_config_message(out, 5, wall_unix_us, hostname, "CONFIG", sequence, "source");
  append_sd_value(out, source);
  out.append("\"] configuration changed");
}

void format_config_warning(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                           std::string_view path, std::string_view message) {
  begin_config_message(out, 4, wall_unix_us, hostname, "LINT", sequence, "path");
  append_sd_value(out, path);
  out.append("\"] ");
  append_text(out, message);
}

}  // namespace probebox::syslog
