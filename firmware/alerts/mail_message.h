// The alert mail, as text: a subject an on-call engineer can act on from the
// notification alone ("[probe-01] CRITICAL prod.cert.manage: expires in 3 days", or
// "[probe-01] 3 changes: 2 CRITICAL, 1 OK" for a batch), and a body with every
// change's details. Pure, so the wording is tested offline.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "monitor/event_log.h"
#include "core/text.h"

namespace probebox::mail {

struct AlertItem {
  const Event* event;
  std::string_view group;
};

// The changes of one message, read one at a time and in order: from a span of
// items, or from the event log itself while the message is written (MailAlerter
// renders it slice by slice as it is sent, so no copy of the changes is kept).
class AlertItems {
 public:
  virtual size_t size() const = 0;
  // Change i (i < size()) into `e`, and its check's group (a view that outlives the call).
  virtual void get(size_t i, Event& e, std::string_view& group) const = 0;

 protected:
  ~AlertItems() = default;
};

void format_subject(TextBuffer& out, std::string_view device, const AlertItems& items);
void format_subject(TextBuffer& out, std::string_view device, std::span<const AlertItem> items);

// One header field, "Name: value\r\n". A value of printable ASCII goes as it is;
// anything else (UTF-8 in a device name or a peer's words) goes as RFC 2047
// encoded-words (UTF-8, base64, folded lines), so no byte of it can end the field
// or start another. Control characters become spaces first.
void append_header(TextBuffer& out, std::string_view name, std::string_view value);

// The whole DATA payload: headers, blank line, body, dot-stuffed, CRLF line ends,
// ending in "\r\n.\r\n". Items beyond what fits `max_bytes` are summarised as "and
// N more" rather than cut mid-line. `date_unix` 0 leaves out the Date header.
// Refuses (false, `out` empty) when `from` or a recipient is not a plain address
// (config/config_parser.h): an address goes into From/To and into MAIL FROM and
// RCPT TO as it is, so it is checked, never encoded.
// `out` may be a window (SliceText): the whole message is written, the window keeps
// its slice, and the cut is decided by the bytes written, not the bytes kept.
[[nodiscard]] bool format_message(TextBuffer& out, std::string_view device, std::string_view from,
                    std::span<const std::string_view> to, const AlertItems& items, int64_t date_unix,
                    uint32_t dropped_before, size_t max_bytes);
[[nodiscard]] bool format_message(TextBuffer& out, std::string_view device, std::string_view from,
                    std::span<const std::string_view> to, std::span<const AlertItem> items, int64_t date_unix,
                    uint32_t dropped_before, size_t max_bytes);

// "Sun, 22 Nov 2026 10:04:05 +0000"
void append_rfc5322_date(TextBuffer& out, int64_t unix_seconds);

}  // namespace probebox::mail
