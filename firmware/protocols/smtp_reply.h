// SMTP replies (RFC 5321), assembled incrementally: "NNN-text" lines continue,
// "NNN text" ends the reply. Lines and line count are bounded, so an endless line
// or a thousand-line EHLO reply ends in an error, not in growing memory. EHLO
// keywords (STARTTLS, AUTH mechanisms) are picked up as the lines pass.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox::smtp {

inline constexpr size_t kMaxLine = 512;  // RFC 5321 4.5.3.1.5: 512 octets with CRLF
inline constexpr int kMaxLines = 64;

class ReplyParser {
 public:
  void reset();
  // Consumes bytes up to the end of one reply; `used` says how many were taken (the
  // rest belong to the next reply). Errors: kDataLoss malformed, kResourceExhausted.
  Status feed(std::span<const uint8_t> bytes, size_t& used);
  bool done() const { return done_; }
  int code() const { return code_; }
  std::string_view first_line() const { return first_.view(); }
  bool starttls() const { return starttls_; }
  bool auth_plain() const { return auth_plain_; }
  std::string_view auth_mechanisms() const { return mechanisms_.view(); }  // space-separated
  // After kResourceExhausted: the reply had more than kMaxLines lines (else one line
  // was longer than kMaxLine bytes).
  bool too_many_lines() const { return lines_ > kMaxLines; }
  // Bytes of the reply seen so far: tells a silent server from a slow one.
  bool started() const { return lines_ > 0 || !line_.empty(); }

 private:
  Status line_complete();
  void add_mechanism(std::string_view mech);

  FixedText<kMaxLine> line_;
  FixedText<128> first_;
  FixedText<96> mechanisms_;
  int code_ = 0;
  int lines_ = 0;
  bool done_ = false;
  bool starttls_ = false;
  bool auth_plain_ = false;
};

// The AUTH PLAIN initial response: base64("\0user\0password"). CR, LF and NUL in
// either are refused.
Status auth_plain_response(std::string_view user, std::string_view password, TextBuffer& out);

}  // namespace probebox::smtp
