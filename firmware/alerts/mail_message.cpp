#include "alerts/mail_message.h"

#include "config/config_parser.h"
#include "core/civil_time.h"
#include "core/view.h"
#include "mbedtls/base64.h"

namespace probebox::mail {
namespace {

const char* upper(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "OK";
    case Outcome::kWarning: return "WARNING";
    case Outcome::kCritical: return "CRITICAL";
    case Outcome::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

// One body line, dot-stuffed (a line that starts with '.' gets another).
void line(TextBuffer& out, std::string_view text) {
  if (!text.empty() && text.front() == '.') out.append('.');
  // Stray CR/LF from a peer's summary must not end the line early (or the message),
  // and no other control character (NUL, ESC) goes into DATA either.
  for (char c : text) out.append(is_control(c) && c != '\t' ? ' ' : c);
  out.append("\r\n");
}

class SpanItems final : public AlertItems {
 public:
  explicit SpanItems(std::span<const AlertItem> items) : items_(items) {}
  size_t size() const override { return items_.size(); }
  void get(size_t i, Event& e, std::string_view& group) const override {
    e = *items_[i].event;
    group = items_[i].group;
  }

 private:
  std::span<const AlertItem> items_;
};

}  // namespace

void append_rfc5322_date(TextBuffer& out, int64_t t) {
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  FixedText<24> iso;  // YYYY-MM-DDTHH:MM:SSZ
  append_iso8601(iso, t);
  std::string_view s = iso.view();
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  out.appendf("%s, %.*s %s %.*s %.*s +0000", kDays[((days % 7) + 7) % 7], 2, s.data() + 8, kMonths[month - 1], 4,
              s.data(), 8, s.data() + 11);
}

void append_header(TextBuffer& out, std::string_view name, std::string_view value) {
  FixedText<320> clean;
  bool plain = true;
  for (char c : value) {
    char d = is_control(c) ? ' ' : c;
    plain = plain && static_cast<unsigned char>(d) < 0x80;
    clean.append(d);
  }
  out.append(name);
  out.append(": ");
  if (plain) {
    out.append(clean.view());
    out.append("\r\n");
    return;
  }
  // Encoded-words of at most 75 characters (RFC 2047 section 2): 45 bytes of text
  // make 60 of base64 inside the 12 of "=?utf-8?B?" and "?=". A word never ends
  // inside a UTF-8 sequence (section 5: each word must be decodable alone).
  static constexpr size_t kWordBytes = 45;
  std::string_view rest = clean.view();
  bool first = true;
  while (!rest.empty()) {
    size_t n = rest.size() < kWordBytes ? rest.size() : kWordBytes;
    for (int back = 0; back < 3 && n < rest.size() && n > 1 &&
                       (static_cast<unsigned char>(rest[n]) & 0xC0) == 0x80;
         ++back) {
      --n;
    }
    unsigned char encoded[64];
    size_t written = 0;
    mbedtls_base64_encode(encoded, sizeof(encoded), &written, reinterpret_cast<const unsigned char*>(rest.data()), n);
    if (!first) out.append("\r\n ");  // folding: the next line continues the field
    out.append("=?utf-8?B?");
    out.append({reinterpret_cast<const char*>(encoded), written});
    out.append("?=");
    rest.remove_prefix(n);
    first = false;
  }
  out.append("\r\n");
}

void format_subject(TextBuffer& out, std::string_view device, std::span<const AlertItem> items) {
  format_subject(out, device, SpanItems(items));
}

bool format_message(TextBuffer& out, std::string_view device, std::string_view from,
                    std::span<const std::string_view> to, std::span<const AlertItem> items, int64_t date_unix,
                    uint32_t dropped_before, size_t max_bytes) {
  return format_message(out, device, from, to, SpanItems(items), date_unix, dropped_before, max_bytes);
}

void format_subject(TextBuffer& out, std::string_view device, const AlertItems& items) {
  out.append('[');
  out.append(device.empty() ? std::string_view("probebox") : device);
  out.append("] ");
  Event e;
  std::string_view group;
  if (items.size() == 1) {
    items.get(0, e, group);
    out.appendf("%s ", upper(e.to));
    out.append(e.check_id.view());
    out.append(": ");
    // The summary is the peer's words in part: keep the subject one line.
    for (char c : first(e.summary.view(), 100)) out.append(c == '\r' || c == '\n' ? ' ' : c);
    return;
  }
  int counts[4] = {};
  for (size_t i = 0; i < items.size(); ++i) {
    items.get(i, e, group);
    ++counts[static_cast<int>(e.to)];
  }
  out.appendf("%u changes:", static_cast<unsigned>(items.size()));
  bool first = true;
  for (Outcome o : {Outcome::kCritical, Outcome::kWarning, Outcome::kUnknown, Outcome::kOk}) {
    if (counts[static_cast<int>(o)] == 0) continue;
    out.appendf("%s %d %s", first ? "" : ",", counts[static_cast<int>(o)], upper(o));
    first = false;
  }
}

bool format_message(TextBuffer& out, std::string_view device, std::string_view from,
                    std::span<const std::string_view> to, const AlertItems& items, int64_t date_unix,
                    uint32_t dropped_before, size_t max_bytes) {
  out.clear();
  if (!is_valid_mail_address(from) || to.empty()) return false;
  for (std::string_view address : to) {
    if (!is_valid_mail_address(address)) return false;
  }
  out.append("From: ");
  out.append(from);
  out.append("\r\nTo: ");
  for (size_t i = 0; i < to.size(); ++i) {
    if (i > 0) out.append(",\r\n ");  // folded: eight recipients would pass 78 characters
    out.append(to[i]);
  }
  out.append("\r\n");
  FixedText<200> subject;
  format_subject(subject, device, items);
  append_header(out, "Subject", subject.view());
  if (date_unix > 0) {
    out.append("Date: ");
    append_rfc5322_date(out, date_unix);
    out.append("\r\n");
  }
  out.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nAuto-Submitted: auto-generated\r\n\r\n");
  FixedText<160> text;
  if (dropped_before > 0) {
    text.clear();
    text.appendf("%u earlier change(s) could not be mailed before they left the box's event log.",
                 static_cast<unsigned>(dropped_before));
    line(out, text.view());
    line(out, "");
  }
  static constexpr size_t kTail = 64;  // room for "and N more" and the terminator
  size_t shown = 0;
  Event e;
  std::string_view group;
  for (size_t i = 0; i < items.size(); ++i) {
    items.get(i, e, group);
    FixedText<420> block;
    block.appendf("%s -> %s  ", e.first ? "(first result)" : upper(e.from), upper(e.to));
    block.append(e.check_id.view());
    block.append("  (group ");
    block.append(group);
    block.append(")\r\n");
    if (e.wall_unix_us != 0) {
      block.append("  at ");
      append_iso8601(block, e.wall_unix_us / 1'000'000);
      block.append("\r\n");
    }
    block.appendf("  after %u confirmation(s), event #%u\r\n", static_cast<unsigned>(e.confirmations),
                  static_cast<unsigned>(e.sequence));
    if (out.appended() + block.size() + e.summary.size() + 16 + kTail > max_bytes) break;
    // Each line of the block is stuffed on its own.
    std::string_view b = block.view();
    while (!b.empty()) {
      size_t end = b.find("\r\n");
      line(out, first(b, end));
      b.remove_prefix(end == std::string_view::npos ? b.size() : end + 2);
    }
    FixedText<140> summary("  ");
    summary.append(e.summary.view());
    line(out, summary.view());
    line(out, "");
    ++shown;
  }
  if (shown < items.size()) {
    text.clear();
    text.appendf("... and %u more change(s): see the box's event log.", static_cast<unsigned>(items.size() - shown));
    line(out, text.view());
  }
  out.append(".\r\n");
  return true;
}

}  // namespace probebox::mail
