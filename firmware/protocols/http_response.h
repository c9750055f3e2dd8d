// HTTP/1.x responses, parsed incrementally as bytes arrive in any chunk sizes:
// status line, headers (bounded in length and count; a line is not kept whole: the
// value of a header the checks read streams into its field), and the body framed by
// Content-Length, chunked encoding or the close of the connection. The body is not
// kept: its first kMaxBodyKept bytes stream to a BodySink (BodyScan judges them as
// they pass) and the whole of it is counted, so the read stays bounded.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox::http {

inline constexpr size_t kMaxLine = 1024;
inline constexpr int kMaxHeaders = 64;
inline constexpr size_t kMaxBodyKept = 2048;  // the body bytes a check judges

// Where the first kMaxBodyKept bytes of a body go as they are parsed.
class BodySink {
 public:
  virtual void on_body(std::string_view bytes) = 0;

 protected:
  ~BodySink() = default;
};

// What the http check needs of a body, found as its bytes stream by: whether the
// expected text occurs in it (leading and trailing ' ', CR and LF ignored, as the
// whole body used to be trimmed), and the services a failing /testall names (the
// lines parse_testall_failures() reads). Holds no copy of the body and no table: the
// length of the expected text's longest prefix that ends the body seen (its KMP
// borders are found in the expected text itself, at most kMaxExpected bytes, the
// config's bound), the head of the current line (a marker counts only within its
// first 44 bytes) and the names.
class BodyScan final : public BodySink {
 public:
  static constexpr size_t kMaxExpected = 256;
  static constexpr size_t kMaxServices = 16;

  // Starts a new body; `expected` must outlive the scan (a config text).
  void reset(std::string_view expected);
  void on_body(std::string_view bytes) override;
  // The body is over: its last line (without a final LF) is read too.
  void end();
  // `expected` occurs in the trimmed body (always, for an empty one).
  bool matched() const;
  std::string_view services() const { return services_.view(); }

 private:
  void take_line();

  std::string_view expected_;
  uint16_t matched_len_ = 0;      // of expected_, ending at the last byte seen
  uint16_t seen_ = 0;             // bytes since the first that is not whitespace
  uint16_t text_end_ = 0;         // just past the last byte that is not whitespace
  int32_t first_match_end_ = -1;  // just past the first occurrence
  bool started_ = false;          // a byte that is not whitespace was seen
  bool line_open_ = false;
  uint8_t services_count_ = 0;
  SmallText<44> line_;
  SmallText<200> services_;
};

class ResponseParser {
 public:
  enum class State : uint8_t { kStatusLine, kHeaders, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone, kError };

  // Feeds bytes; returns the parse error (kDataLoss malformed, kResourceExhausted a
  // bound exceeded) or Ok. done() tells when the response is complete.
  Status feed(std::span<const uint8_t> bytes);
  // The peer closed the connection: completes a body framed by the close.
  Status finish_on_close();
  bool done() const { return state_ == State::kDone; }
  // The connection may carry another request: the response is complete, framed by
  // its length or its chunks (not by the close), HTTP/1.1 without "Connection: close"
  // (RFC 9112 9.3), and nothing came after it.
  bool reusable() const { return done() && http11_ && !close_asked_ && !overrun_; }
  State state() const { return state_; }

  int status_code() const { return status_; }
  // The Content-Type as far as kMaxContentType kept it; cut: it was longer.
  std::string_view content_type() const { return content_type_.view(); }
  bool content_type_cut() const { return content_type_.overflowed(); }
  // The Location as far as kMaxLocation kept it; cut: it was longer (then only its
  // first kMaxLocation bytes are shown, and location_to_host() still judges it).
  std::string_view location() const { return location_.view(); }
  bool location_cut() const { return location_.overflowed(); }
  // The name a redirect should stay on (the request's Host; a ":port" on it is
  // ignored): the Location is judged against it as its bytes stream, so a value
  // longer than what is kept is judged whole. `host` must outlive the parse.
  void set_redirect_host(std::string_view host);
  // The last Location is https:// on the redirect host (any port, then the end,
  // '/', '?' or '#'), case-insensitively: is_https_redirect() of the whole value.
  bool location_to_host() const { return location_to_host_; }
  // The Date header as Unix seconds (parse_http_date() of its value, read when its
  // line ended): false without one that parses.
  bool date(int64_t& unix_seconds) const {
    unix_seconds = date_unix_;
    return have_date_;
  }
  // The node that answered, when the appliance names it (X-Auth0-Host: a0-1,
  // appliance-requirements A2): how nodes behind a load balancer are told apart.
  std::string_view node() const { return node_.view(); }
  // The first kMaxBodyKept bytes of the body go to `sink` (nullptr: nowhere).
  void set_body_sink(BodySink* sink) { sink_ = sink; }
  bool body_truncated() const { return body_bytes_ > kMaxBodyKept; }
  uint64_t body_bytes() const { return body_bytes_; }
  // The body length the headers announced (0 when unknown): with body_bytes() it says
  // how far a reply got before the connection broke.
  uint64_t content_length() const { return have_length_ && !chunked_ ? body_bytes() + remaining_ : 0; }
  // Any byte of the response seen (a server that said nothing vs one that stopped).
  bool started() const { return state_ != State::kStatusLine || line_len_ > 0 || status_ != 0; }
  std::string_view error() const { return error_; }

 private:
  Status line_complete();
  Status header_line();
  void line_byte(char c);
  void header_named();
  void new_line();
  Status fail(StatusCode code, const char* why);
  // One byte of a Location value against "https://" + redirect_host_.
  void redirect_byte(char c);
  void keep_body(const uint8_t* data, size_t n);

  // What a header's value sets.
  enum class Field : uint8_t { kNone, kLength, kEncoding, kDate, kConnection, kKept };
  static constexpr size_t kHead = 24;
  static constexpr uint16_t kRedirectOff = 0xFFFF;  // redirect_at_: a byte did not match

 public:
  // What is kept of the two header values a verdict reads: a Location's scheme and
  // host are judged as they stream (location_to_host()), a Content-Type's media type
  // only when it ends within what is kept.
  static constexpr size_t kMaxLocation = 256;
  static constexpr size_t kMaxContentType = 64;

 private:
  // Ordered widest first so that the Cortex-M4 build pads nothing between them.
  uint64_t remaining_ = 0;  // of Content-Length, or of the current chunk
  uint64_t body_bytes_ = 0;
  int64_t date_unix_ = 0;
  std::string_view redirect_host_;
  // The line being read, never whole: its length (up to kMaxLine), its last byte,
  // its head (a status line's "HTTP/1.x NNN ", a header's name, a chunk size) and,
  // after a header's ':', its value, leading blanks skipped, into the field it sets
  // (value_ for Content-Length, Transfer-Encoding and Date); the trailing blanks are
  // cut off at the end of the line.
  size_t line_len_ = 0;
  size_t value_len_ = 0;
  size_t value_end_ = 0;  // just past the value's last byte that is not a blank
  CompactText* value_to_ = nullptr;
  BodySink* sink_ = nullptr;
  const char* error_ = "";
  int status_ = 0;
  int headers_ = 0;
  uint16_t redirect_at_ = 0;  // bytes of the Location that matched "https://" + host
  char redirect_next_ = 0;    // the byte after them
  bool location_to_host_ = false;
  State state_ = State::kStatusLine;
  char last_ = 0;
  bool colon_ = false;
  bool colon_first_ = false;  // the ':' began the line: no name
  bool value_begun_ = false;
  Field field_ = Field::kNone;
  bool chunked_ = false;
  bool have_length_ = false;
  bool have_date_ = false;
  bool http11_ = false;       // the status line said HTTP/1.1 (or a later 1.x)
  bool close_asked_ = false;  // a Connection header named "close" (or was too long to read)
  bool overrun_ = false;      // bytes came after the complete response
  SmallText<kHead> head_;
  SmallText<64> value_;
  SmallText<kMaxContentType> content_type_;
  SmallText<kMaxLocation> location_;
  SmallText<64> node_;
};

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to Unix seconds.
bool parse_http_date(std::string_view text, int64_t& unix_seconds);

// The services named by lines "<service> seems down. Reason: ..." of a failing
// /testall body (appliance-requirements A1), comma-separated, bounded.
// BodyScan reads the same lines as they stream by.
void parse_testall_failures(std::string_view body, TextBuffer& services, size_t& count);

// The HTTPS-only rule (spec/checks.md, http `expect_https_redirect`): a 301 or 308
// whose Location is https:// on `host` (the name the request asked for; a ":port"
// on it is ignored, any port in the Location is accepted), case-insensitively.
bool is_https_redirect(int status, std::string_view location, std::string_view host);

// A Content-Type value names `media_type` ("text/plain"): the type before any ';'
// parameters, spaces around it ignored, case-insensitively. Empty never matches.
bool is_media_type(std::string_view content_type, std::string_view media_type);

struct Url {
  bool https = false;
  FixedText<253> host;
  uint16_t port = 80;
  FixedText<512> path;  // with the query
};
Status parse_url(std::string_view url, Url& out);
// The same rules, as positions in `url`: what a config keeps instead of copies.
// An empty path stands for "/".
struct UrlParts {
  bool https = false;
  uint16_t port = 80;
  size_t host_at = 0, host_len = 0;
  size_t path_at = 0, path_len = 0;
};
inline constexpr size_t kMaxUrlHost = 253;
Status split_url(std::string_view url, UrlParts& out);

// A GET with Host and User-Agent, the connection left to HTTP/1.1's default (open:
// the probe resets it once the response is whole); `basic` is "user:password" or
// empty. Inputs with CR, LF or NUL are refused (no header injection).
Status build_get_request(TextBuffer& out, std::string_view host_header, std::string_view path, std::string_view basic);

}  // namespace probebox::http
