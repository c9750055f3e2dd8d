#include "protocols/http_response.h"

#include <cstring>

#include "core/ascii.h"
#include "core/civil_time.h"
#include "core/view.h"
#include "mbedtls/base64.h"

namespace probebox::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_decimal(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 15) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

bool has_bad_chars(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

// The limits in the summary an operator reads; kept next to the constants they name.
static_assert(kMaxLine == 1024 && kMaxHeaders == 64, "the texts below name the limits");
constexpr const char* kTooManyHeaders = "more than 64 header lines";

const char* overlong_line(ResponseParser::State state) {
  switch (state) {
    case ResponseParser::State::kStatusLine: return "status line longer than 1024 bytes";
    case ResponseParser::State::kHeaders: return "header line longer than 1024 bytes";
    case ResponseParser::State::kTrailers: return "trailer line longer than 1024 bytes";
    default: return "chunk size line longer than 1024 bytes";
  }
}

}  // namespace

Status ResponseParser::fail(StatusCode code, const char* why) {
  state_ = State::kError;
  error_ = why;
  return code;
}

void ResponseParser::keep_body(const uint8_t* data, size_t n) {
  uint64_t room = body_bytes_ < kMaxBodyKept ? kMaxBodyKept - body_bytes_ : 0;
  size_t pass = n < room ? n : static_cast<size_t>(room);
  if (pass > 0 && sink_ != nullptr) sink_->on_body(std::string_view(reinterpret_cast<const char*>(data), pass));
  body_bytes_ += n;
}

void ResponseParser::set_redirect_host(std::string_view host) {
  size_t colon = host.find(':');
  redirect_host_ = colon == std::string_view::npos ? host : first(host, colon);
  if (redirect_host_.size() > kMaxUrlHost) redirect_host_ = std::string_view();  // no name a URL holds
}

void ResponseParser::redirect_byte(char c) {
  if (redirect_at_ == kRedirectOff) return;
  constexpr std::string_view kScheme = "https://";
  size_t whole = kScheme.size() + redirect_host_.size();
  if (redirect_at_ < whole) {
    char want = redirect_at_ < kScheme.size() ? kScheme[redirect_at_] : redirect_host_[redirect_at_ - kScheme.size()];
    if (ascii_lower(c) != ascii_lower(want)) {
      redirect_at_ = kRedirectOff;
      return;
    }
    ++redirect_at_;
  } else if (redirect_at_ == whole) {
    redirect_next_ = c;
    ++redirect_at_;
  }
}

void ResponseParser::new_line() {
  line_len_ = 0;
  last_ = 0;
  colon_ = colon_first_ = value_begun_ = false;
  field_ = Field::kNone;
  value_len_ = value_end_ = 0;
  value_to_ = nullptr;
  head_.clear();
}

// A header's name is complete (its ':' came): where does its value go?
void ResponseParser::header_named() {
  std::string_view name = head_.overflowed() ? std::string_view() : head_.view();
  CompactText* to = nullptr;
  if (equals_ignore_case(name, "content-length")) {
    field_ = Field::kLength;
    to = &value_;
  } else if (equals_ignore_case(name, "transfer-encoding")) {
    field_ = Field::kEncoding;
    to = &value_;
  } else if (equals_ignore_case(name, "content-type")) {
    to = &content_type_;
  } else if (equals_ignore_case(name, "location")) {
    to = &location_;
    redirect_at_ = 0;
    redirect_next_ = 0;
    location_to_host_ = false;
  } else if (equals_ignore_case(name, "connection")) {
    field_ = Field::kConnection;
    to = &value_;
  } else if (equals_ignore_case(name, "date")) {
    field_ = Field::kDate;
    to = &value_;
    have_date_ = false;  // the last of a repeated header wins
  } else if (equals_ignore_case(name, "x-auth0-host")) {
    to = &node_;
  }
  if (to == nullptr) return;
  if (field_ == Field::kNone) field_ = Field::kKept;
  to->clear();  // the last of a repeated header wins
  value_to_ = to;
}

void ResponseParser::line_byte(char c) {
  if (state_ == State::kHeaders && colon_) {
    if (value_to_ == nullptr) return;
    if (!value_begun_ && (c == ' ' || c == '\t')) return;
    value_begun_ = true;
    ++value_len_;
    if (value_to_ == &location_) redirect_byte(c);
    value_to_->append(c);  // keeps what fits
    if (c != ' ' && c != '\t' && c != '\r') value_end_ = value_len_;
    return;
  }
  if (state_ == State::kHeaders && c == ':') {
    colon_ = true;
    colon_first_ = line_len_ == 1;
    header_named();
    return;
  }
  head_.append(c);  // a longer head is no name the parser reads, nor a chunk size
}

Status ResponseParser::header_line() {
  if (++headers_ > kMaxHeaders) return fail(StatusCode::kResourceExhausted, kTooManyHeaders);
  if (!colon_ || colon_first_) return fail(StatusCode::kDataLoss, "malformed header");
  if (value_to_ == nullptr) return Status();
  value_to_->fit(value_end_);  // the value without its trailing blanks
  if (value_to_ == &location_) {
    // Matched "https://" and the whole host, then the value ended or went on with a
    // port, a path, a query or a fragment.
    size_t whole = 8 + redirect_host_.size();
    location_to_host_ = !redirect_host_.empty() && redirect_at_ != kRedirectOff && redirect_at_ >= whole &&
                        (value_end_ == whole || redirect_next_ == '/' || redirect_next_ == ':' ||
                         redirect_next_ == '?' || redirect_next_ == '#');
  }
  if (field_ == Field::kLength) {
    uint64_t n;
    if (value_end_ > value_.capacity() || !parse_decimal(value_.view(), n)) {
      return fail(StatusCode::kDataLoss, "invalid Content-Length");
    }
    if (have_length_ && n != remaining_) return fail(StatusCode::kDataLoss, "conflicting Content-Length");
    have_length_ = true;
    remaining_ = n;
  } else if (field_ == Field::kEncoding) {
    // Only "chunked" (last) is understood; anything else cannot be framed safely.
    std::string_view value = value_.view();
    bool whole = value_end_ <= value_.capacity();  // a longer list is not one the box frames
    if (whole && value.size() >= 7 && equals_ignore_case(after(value, value.size() - 7), "chunked")) chunked_ = true;
    else return fail(StatusCode::kDataLoss, "unsupported Transfer-Encoding");
  } else if (field_ == Field::kDate) {
    // The value as far as 64 bytes kept it (a longer one is no IMF-fixdate).
    have_date_ = parse_http_date(value_.view(), date_unix_);
  } else if (field_ == Field::kConnection) {
    // A list of options; "close" among them ends the connection after this response.
    // One longer than what is kept is not read through: taken as "close".
    close_asked_ = close_asked_ || value_end_ > value_.capacity() || list_has_token(value_.view(), "close");
  }
  return Status();
}

Status ResponseParser::line_complete() {
  // The line without the CR of its CRLF; its head holds its first kHead bytes.
  const size_t n = line_len_ - (last_ == '\r' ? 1 : 0);
  std::string_view line = first(head_.view(), n);
  switch (state_) {
    case State::kStatusLine: {
      // "HTTP/1.x NNN" and, optionally, " reason".
      bool shaped = n >= 12 && first(line, 7) == "HTTP/1." && line[7] >= '0' && line[7] <= '9' &&
                    line[8] == ' ' && (n == 12 || line[12] == ' ');
      if (!shaped) return fail(StatusCode::kDataLoss, "not an HTTP response");
      int code = 0;
      for (size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return fail(StatusCode::kDataLoss, "bad status code");
        code = code * 10 + (line[i] - '0');
      }
      if (code < 100 || code > 599) return fail(StatusCode::kDataLoss, "bad status code");
      status_ = code;
      http11_ = line[7] >= '1';
      state_ = State::kHeaders;
      return Status();
    }
    case State::kHeaders:
      if (n == 0) {
        // 1xx responses are interim: the real one follows.
        if (status_ >= 100 && status_ < 200) {
          state_ = State::kStatusLine;
          headers_ = 0;
          return Status();
        }
        bool no_body = status_ == 204 || status_ == 304;
        if (chunked_) {
          have_length_ = false;
          state_ = State::kChunkSize;
        } else if (no_body || (have_length_ && remaining_ == 0)) {
          state_ = State::kDone;
        } else {
          state_ = State::kBody;
        }
        return Status();
      }
      return header_line();
    case State::kChunkSize: {
      size_t semi = line.find(';');  // chunk extensions ignored
      // A size that does not end within the head is padded past any real one.
      if (semi == std::string_view::npos && n > line.size()) return fail(StatusCode::kDataLoss, "bad chunk size");
      std::string_view size = trim(first(line, semi));
      if (size.empty() || size.size() > 8) return fail(StatusCode::kDataLoss, "bad chunk size");
      uint64_t v64 = 0;
      for (char c : size) {
        const char l = ascii_lower(c);
        int v = (c >= '0' && c <= '9') ? c - '0' : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
        if (v < 0) return fail(StatusCode::kDataLoss, "bad chunk size");
        v64 = v64 * 16 + static_cast<uint64_t>(v);
      }
      remaining_ = v64;
      state_ = v64 == 0 ? State::kTrailers : State::kChunkData;
      return Status();
    }
    case State::kChunkDataEnd:
      if (n != 0) return fail(StatusCode::kDataLoss, "chunk not followed by CRLF");
      state_ = State::kChunkSize;
      return Status();
    case State::kTrailers:
      if (n == 0) state_ = State::kDone;
      else if (++headers_ > kMaxHeaders) return fail(StatusCode::kResourceExhausted, "more than 64 trailer lines");
      return Status();
    default:
      return fail(StatusCode::kInternal, "line in a non-line state");
  }
}

Status ResponseParser::feed(std::span<const uint8_t> bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    switch (state_) {
      case State::kDone:
        overrun_ = true;  // bytes after the response: ignored, and the connection not reused
        return Status();
      case State::kError:
        return StatusCode::kDataLoss;
      case State::kBody:
      case State::kChunkData: {
        size_t n = bytes.size() - i;
        if (have_length_ || state_ == State::kChunkData) {
          if (n > remaining_) n = static_cast<size_t>(remaining_);
          remaining_ -= n;
        }
        keep_body(bytes.data() + i, n);
        i += n;
        if ((have_length_ || state_ == State::kChunkData) && remaining_ == 0) {
          state_ = state_ == State::kChunkData ? State::kChunkDataEnd : State::kDone;
        }
        break;
      }
      default: {
        char c = static_cast<char>(bytes[i++]);
        if (c == '\n') {
          Status s = line_complete();
          new_line();
          if (!s.ok()) return s;
        } else {
          if (++line_len_ > kMaxLine) return fail(StatusCode::kResourceExhausted, overlong_line(state_));
          last_ = c;
          line_byte(c);
        }
      }
    }
  }
  return Status();
}

Status ResponseParser::finish_on_close() {
  if (state_ == State::kDone) return Status();
  if (state_ == State::kBody && !have_length_) {
    state_ = State::kDone;
    return Status();
  }
  return fail(StatusCode::kDataLoss, "connection closed before the response was complete");
}

bool parse_http_date(std::string_view s, int64_t& out) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s[3] != ',' || after(s, 26) != "GMT") return false;
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  size_t m = kMonths.find(slice(s, 8, 3));
  if (m == std::string_view::npos || m % 3 != 0) return false;
  auto num = [&](size_t at, size_t len, int& v) { return read_decimal_field(s, at, len, v); };
  int d, y, h, mi, se;
  if (!num(5, 2, d) || !num(12, 4, y) || !num(17, 2, h) || !num(20, 2, mi) || !num(23, 2, se)) return false;
  int mo = static_cast<int>(m / 3) + 1;
  if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  out = unix_seconds_from_civil(y, mo, d, h, mi, se);
  return true;
}

namespace {

constexpr std::string_view kDownMarker = " seems down.";
constexpr size_t kMarkerWithin = 32;  // the marker starts at most this far into its line

// The service a /testall line names ("<service> seems down. Reason: ..."), or empty.
std::string_view testall_failure_name(std::string_view line) {
  size_t at = line.find(kDownMarker);
  if (at == std::string_view::npos || at == 0 || at > kMarkerWithin) return {};
  std::string_view name = trim(first(line, at));
  if (name.empty() || name.find(' ') != std::string_view::npos) return {};
  return name;
}

bool body_space(char c) { return c == ' ' || c == '\r' || c == '\n'; }

}  // namespace

void parse_testall_failures(std::string_view body, TextBuffer& services, size_t& count) {
  count = 0;
  while (!body.empty() && count < BodyScan::kMaxServices) {
    size_t eol = body.find('\n');
    std::string_view line = first(body, eol);
    body = eol == std::string_view::npos ? std::string_view() : after(body, eol + 1);
    std::string_view name = testall_failure_name(line);
    if (name.empty()) continue;
    if (count++ > 0) services.append(',');
    services.append(name);
  }
}

static_assert(kMarkerWithin + kDownMarker.size() == 44, "BodyScan keeps the head of a line where a marker counts");
static_assert(kMaxBodyKept < UINT16_MAX, "BodyScan counts the judged bytes in 16 bits");

// The longest prefix of `expected` that ends the text seen, after `c`, when the
// longest one before `c` was `q` bytes (q < expected.size()): KMP's step, its borders
// found in `expected` itself instead of a table, so a scan keeps no copy of them.
// The text's last q bytes are expected[0, q), so the answer is the longest k <= q + 1
// with expected[k - 1] == c and expected[0, k - 1) == expected[q - k + 1, q). A step
// that extends the match costs one comparison; one that falls back costs at most
// (q - k + 1) tries of at most q bytes each, and q grows by one byte at most per byte:
// over a body of n bytes at most 2 * n * kMaxExpected byte comparisons.
namespace {
size_t next_matched(std::string_view expected, size_t q, char c) {
  if (expected[q] == c) return q + 1;
  for (size_t k = q; k > 0; --k) {
    if (expected[k - 1] != c) continue;
    if (std::memcmp(expected.data(), expected.data() + (q - k + 1), k - 1) == 0) return k;
  }
  return 0;
}
}  // namespace

void BodyScan::reset(std::string_view expected) {
  expected_ = expected;
  matched_len_ = 0;
  seen_ = 0;
  text_end_ = 0;
  first_match_end_ = -1;
  started_ = false;
  line_open_ = false;
  services_count_ = 0;
  line_.clear();
  services_.clear();
}

void BodyScan::take_line() {
  std::string_view name = testall_failure_name(line_.view());
  if (!name.empty() && services_count_ < kMaxServices) {
    if (services_count_++ > 0) services_.append(',');
    services_.append(name);
  }
  line_.clear();
  line_open_ = false;
}

void BodyScan::on_body(std::string_view bytes) {
  const size_t m = expected_.size();
  for (char c : bytes) {
    // The testall lines, whatever the whitespace.
    if (c == '\n') {
      take_line();
    } else {
      line_open_ = true;
      if (line_.size() < line_.capacity()) line_.append(c);
    }
    // The expected text, in the body without its leading whitespace.
    if (!started_ && body_space(c)) continue;
    started_ = true;
    ++seen_;
    if (!body_space(c)) text_end_ = seen_;
    if (m == 0 || m > kMaxExpected || first_match_end_ >= 0) continue;
    const size_t q = next_matched(expected_, matched_len_, c);
    if (q == m) first_match_end_ = seen_;  // the first occurrence: the scan for it stops
    matched_len_ = static_cast<uint16_t>(q);
  }
}

void BodyScan::end() {
  if (line_open_) take_line();
}

bool BodyScan::matched() const {
  if (expected_.empty()) return true;
  return first_match_end_ >= 0 && first_match_end_ <= text_end_;
}

bool is_https_redirect(int status, std::string_view location, std::string_view host) {
  if (status != 301 && status != 308) return false;
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) host = first(host, colon);
  if (host.empty() || !has_prefix_ignore_case(location, "https://")) return false;
  std::string_view rest = after(location, 8);
  if (!has_prefix_ignore_case(rest, host)) return false;
  rest = after(rest, host.size());
  return rest.empty() || rest[0] == '/' || rest[0] == ':' || rest[0] == '?' || rest[0] == '#';
}

bool is_media_type(std::string_view content_type, std::string_view media_type) {
  size_t semi = content_type.find(';');
  if (semi != std::string_view::npos) content_type = first(content_type, semi);
  while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) content_type = after(content_type, 1);
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t')) content_type = first(content_type, content_type.size() - 1);
  return !media_type.empty() && equals_ignore_case(content_type, media_type);
}

Status split_url(std::string_view url, UrlParts& out) {
  out = UrlParts{};
  size_t at = 0;
  if (first(url, 7) == "http://") {
    at = 7;
  } else if (first(url, 8) == "https://") {
    out.https = true;
    out.port = 443;
    at = 8;
  } else {
    return StatusCode::kInvalidArgument;
  }
  std::string_view rest = after(url, at);
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return StatusCode::kInvalidArgument;
  }
  size_t slash = rest.find('/');
  std::string_view authority = first(rest, slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return StatusCode::kInvalidArgument;
  size_t colon = authority.rfind(':');
  std::string_view host = first(authority, colon);
  if (colon != std::string_view::npos) {
    uint64_t port;
    if (!parse_decimal(after(authority, colon + 1), port) || port < 1 || port > 65535) {
      return StatusCode::kInvalidArgument;
    }
    out.port = static_cast<uint16_t>(port);
  }
  if (host.empty() || host.size() > kMaxUrlHost) return StatusCode::kInvalidArgument;
  out.host_at = at;
  out.host_len = host.size();
  if (slash != std::string_view::npos) {
    out.path_at = at + slash;
    out.path_len = rest.size() - slash;
  }
  return Status();
}

Status parse_url(std::string_view url, Url& out) {
  out = Url{};
  UrlParts parts;
  Status s = split_url(url, parts);
  if (!s.ok()) return s;
  out.https = parts.https;
  out.port = parts.port;
  out.host.assign(slice(url, parts.host_at, parts.host_len));
  out.path.assign(parts.path_len == 0 ? std::string_view("/") : slice(url, parts.path_at, parts.path_len));
  if (out.host.overflowed() || out.path.overflowed()) return StatusCode::kInvalidArgument;
  return Status();
}

Status build_get_request(TextBuffer& out, std::string_view host_header, std::string_view path, std::string_view basic) {
  if (has_bad_chars(host_header) || has_bad_chars(path) || has_bad_chars(basic)) return StatusCode::kInvalidArgument;
  out.clear();
  out.append("GET ");
  out.append(path);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(host_header);
  // No "Connection: close": asked to close, a server follows its answer with a TLS
  // close_notify and a FIN, which cross the RST the probe ends on once it has the
  // answer (net/tcp_link.h), and lwIP answers each with one more RST. Left open, the
  // server waits in silence and the probe's RST is the connection's one close.
  out.append("\r\nUser-Agent: probebox/" PROBEBOX_VERSION "\r\nAccept: */*\r\n");
  if (!basic.empty()) {
    unsigned char encoded[256];
    size_t n = 0;
    if (mbedtls_base64_encode(encoded, sizeof(encoded), &n, reinterpret_cast<const unsigned char*>(basic.data()),
                              basic.size()) != 0) {
      return StatusCode::kInvalidArgument;
    }
    out.append("Authorization: Basic ");
    out.append(std::string_view(reinterpret_cast<const char*>(encoded), n));
    out.append("\r\n");
  }
  out.append("\r\n");
  return out.overflowed() ? Status(StatusCode::kResourceExhausted) : Status();
}

}  // namespace probebox::http
