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

void format_config_change(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                          std::string_view source) {
  append_header(out, 5, wall_unix_us, hostname, "CONFIG");
  out.append('[');
  out.append(kSdId);
  out.appendf(" sequence=\"%lu\" source=\"", static_cast<unsigned long>(sequence));
  append_sd_value(out, source);
  out.append("\"] configuration changed");
}

void format_config_warning(TextBuffer& out, int64_t wall_unix_us, std::string_view hostname, uint32_t sequence,
                           std::string_view path, std::string_view message) {
  append_header(out, 4, wall_unix_us, hostname, "LINT");
  out.append('[');
  out.append(kSdId);
  out.appendf(" sequence=\"%lu\" path=\"", static_cast<unsigned long>(sequence));
  append_sd_value(out, path);
  out.append("\"] ");
  for (char c : message) out.append(c == '\r' || c == '\n' ? ' ' : c);
}

}  // namespace probebox::syslog
