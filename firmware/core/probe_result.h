// What one run of one check yields (spec/checks.md): outcome, one-line summary,
// latency, why it failed, when each phase was reached, and the type's facts as typed
// fields. The `details` JSON object of the documents is written from these facts
// (core/result_details.h) when a document is written; it is never stored.
//
// Sizes: the per-kind facts are a tagged union of small structs; their strings
// (banner, subject, SANs, location...) share one bounded pool, DetailText, sized so
// that every details object that fitted the former 896-character JSON still fits.
// ResultCore is what a compact per-check record needs without the details.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/check_types.h"
#include "core/text.h"

namespace probebox {

// Why a result is not OK, for programs (the summary says it for people).
enum class FailReason : uint8_t {
  kNone = 0,       // OK, or nothing failed before the facts were judged
  kResolve,        // the name did not resolve
  kNoResources,    // no pcb, no TLS memory, not built in: the box, not the target
  kRefused,        // connection refused (RST to the SYN)
  kUnreachable,    // no route, connect failed otherwise
  kReset,          // an established connection was reset or lost
  kTimeout,        // the deadline passed
  kTls,            // the TLS handshake failed
  kProtocol,       // the peer's bytes were malformed or too many
  kServerReply,    // the server answered with a failure code (HTTP status, SMTP reply, rcode, KoD)
  kCertificate,    // the certificate broke a rule (chain, names, key, dates, identity)
  kExpectation,    // the answer broke the check's expectation (body, address, port state, offset)
  kSlow,           // slower than the latency threshold
  kNoClock,        // the box clock is not set: the facts cannot be judged
};
const char* fail_reason_name(FailReason reason);

// Per-phase times, microseconds since the probe started; -1: not reached.
enum class Phase : uint8_t { kResolve = 0, kConnect, kTls, kFirstByte };
inline constexpr int kPhaseCount = 4;
struct PhaseTimes {
  int32_t us[kPhaseCount] = {-1, -1, -1, -1};
  void mark(Phase p, int64_t since_start_us) {
    us[static_cast<int>(p)] = since_start_us > INT32_MAX ? INT32_MAX : static_cast<int32_t>(since_start_us);
  }
  int32_t at(Phase p) const { return us[static_cast<int>(p)]; }
};

// The few numbers metrics, the panel, SNMP and the cert identity rules read.
// Ordered widest first: 32 bytes, kept per check.
struct ProbeMeasurements {
  int64_t not_after_unix = 0;
  int64_t ntp_offset_us = 0;
  int64_t dns_lookup_us = -1;
  int32_t days_left = 0;
  int16_t http_status = 0;
  bool has_days_left = false;
  bool has_ntp_offset = false;
};

// A JSON true/false/null.
enum class Tri : uint8_t { kNull = 0, kFalse, kTrue };
constexpr Tri tri(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

// A string in the DetailText pool.
struct TextSpan {
  uint16_t at;
  uint16_t len;
};

// The strings of one result's details, one after the other. Adding past the end
// keeps what fits and sets cut().
class DetailText {
 public:
  static constexpr size_t kChars = 768;
  TextSpan add(std::string_view s);
  std::string_view view(TextSpan s) const {
    return s.at + s.len <= used_ ? std::string_view(chars_ + s.at, s.len) : std::string_view();
  }
  bool cut() const { return cut_; }
  void clear() { used_ = 0; cut_ = false; }
  std::string_view used() const { return std::string_view(chars_, used_); }
  void assign(std::string_view all, bool cut);
  DetailText() = default;
  DetailText(const DetailText& o) { *this = o; }
  DetailText& operator=(const DetailText& o);

 private:
  uint16_t used_ = 0;
  bool cut_ = false;
  char chars_[kChars];
};

enum class PortState : uint8_t { kOpen, kRefused, kUnreachable, kTimeout };
const char* port_state_name(PortState s);

struct TcpDetails {
  PortState state;
  bool has_icmp;          // an ICMP destination unreachable ended the connect: "icmp" shown
  uint8_t icmp_code;      // its code (RFC 792 / 1812)
};

struct DnsDetails {
  const char* rcode;      // a static name ("NOERROR"); nullptr: no answer (null, [], null)
  uint8_t address_count;
  uint32_t ttl;           // the lowest over the address records (shown when there are any)
  TextSpan addresses;     // '\n'-separated, as text
  TextSpan cname;         // empty: no "cname" key
};

struct HttpDetails {
  bool has_status;        // else null
  uint16_t status;
  Tri body_match;
  bool full;              // a complete response was judged for content: services_down, skew shown
  bool testall;           // services_down is shown (the URL ends in /testall)
  bool has_skew;
  int64_t skew_s;
  TextSpan location;      // empty: no "location" key (set only for a response judged)
  bool location_cut;      // the Location was longer than the parser keeps: "location_truncated"
  TextSpan services_down; // ','-separated
  // The nodes that answered (X-Auth0-Host), ','-separated and distinct: a node's own
  // name, or every node a load balancer handed the samples to. Shown when known.
  TextSpan answered_by;
  uint8_t samples;        // requests made this run (a load balancer's /testall: several)
};

struct SmtpDetails {
  TextSpan banner;
  TextSpan mechanisms;    // ' '-separated
  bool starttls;
  bool tls_resumed;       // the STARTTLS handshake resumed the relay's last session
  bool tls13;             // STARTTLS negotiated TLS 1.3 (else 1.2)
  bool auth_plain;
  Tri auth_ok;
  bool tls_dated;         // tls_days_left known
  int32_t tls_days_left;
  Tri tls_trusted;        // null: no TLS facts (tls_subject null too)
  TextSpan tls_subject;
};

struct NtpDetails {
  bool measured;          // offset_ms and rtt_ms are numbers (else null)
  bool has_stratum;
  bool kiss;              // a kiss-o'-death: kiss_code shown
  uint8_t stratum;
  char kiss_code[5];
  int64_t offset_us;
  int64_t rtt_us;
};

// What a server accepts of the legacy TLS versions (tls_cert's `legacy_tls`), as bits.
inline constexpr uint8_t kLegacyTls10 = 1;
inline constexpr uint8_t kLegacyTls11 = 2;
inline constexpr uint8_t kLegacyTlsUnknown = 0x80;  // no legacy look has run yet

struct TlsCertDetails {
  bool examined;          // false: only {"days_left":null,"chain_complete":null} (and too_big's)
  bool too_big;           // not examined: the chain was over what the box holds; shows
                          // chain_bytes, chain_limit_bytes and tls_version
  uint32_t chain_bytes;
  uint32_t chain_limit_bytes;
  const char* tls_version;  // a static name ("1.2", "1.3", ""); shown when examined or too_big
  bool dated;             // days_left known (the box clock was valid)
  bool chain_complete;
  Tri trusted;            // null: no trust anchors and no public roots to judge by
  const char* trusted_by; // a static name ("anchors", "public") when trusted, else null
  bool sans_truncated;    // the certificate had more SANs than were read
  int32_t days_left;
  uint32_t key_bits;
  int64_t not_after;
  TextSpan subject, issuer, key_type, sig_alg;
  TextSpan sha256;        // lower-case hex of the DER; compared across same_cert_as / distinct_from
  TextSpan missing_names; // '\n'-separated
  TextSpan sans;          // '\n'-separated
  // The chain certificate by certificate (issue 17).
  bool chain_in_order;    // leaf first, then each issuer
  bool self_signed;       // the leaf
  bool weak_sig_in_chain; // SHA-1/MD5 on a certificate sent (a root's self-signature aside)
  uint8_t legacy_tls;     // kLegacyTls10/11 bits, or kLegacyTlsUnknown
  int64_t chain_not_after;          // the earliest notAfter of every certificate sent
  int64_t verified_chain_not_after; // of the chain verified to the anchors, anchor included; 0: none
  bool chain_cached;      // the chain's verification and summary came from the verified-chain cache
};

enum class DetailKind : uint8_t { kNone = 0, kTcp, kDns, kHttp, kTlsCert, kSmtp, kNtp };
inline constexpr int kDetailKindCount = 7;
// The size of a kind's facts struct (0 for kNone).
size_t detail_facts_size(DetailKind kind);

// A read-only look at one result's facts wherever they are kept: a probe's result
// (ProbeDetails) or a check's compact record in the health model. `truncated`: the
// record could not keep all of them (strings past `text` read as empty, or no facts
// at all): the documents say so with "details_truncated".
class DetailsView {
 public:
  DetailsView() = default;
  DetailsView(DetailKind kind, const void* facts, std::string_view text, bool text_cut, bool truncated)
      : kind_(facts != nullptr ? kind : DetailKind::kNone), facts_(facts), text_(text), text_cut_(text_cut),
        truncated_(truncated) {}

  DetailKind kind() const { return kind_; }
  const TcpDetails* tcp() const { return as<TcpDetails>(DetailKind::kTcp); }
  const DnsDetails* dns() const { return as<DnsDetails>(DetailKind::kDns); }
  const HttpDetails* http() const { return as<HttpDetails>(DetailKind::kHttp); }
  const TlsCertDetails* tls_cert() const { return as<TlsCertDetails>(DetailKind::kTlsCert); }
  const SmtpDetails* smtp() const { return as<SmtpDetails>(DetailKind::kSmtp); }
  const NtpDetails* ntp() const { return as<NtpDetails>(DetailKind::kNtp); }
  // A string of the facts; empty when it was not kept whole.
  std::string_view text(TextSpan s) const {
    return static_cast<size_t>(s.at) + s.len <= text_.size() ? std::string_view(text_.data() + s.at, s.len)
                                                             : std::string_view();
  }
  std::string_view all_text() const { return text_; }
  // The probe's text pool was full: strings were cut before the result was made.
  bool text_cut() const { return text_cut_; }
  bool truncated() const { return truncated_; }
  std::string_view cert_sha256() const {
    const TlsCertDetails* d = tls_cert();
    return d != nullptr && d->examined ? text(d->sha256) : std::string_view();
  }
  const void* facts() const { return facts_; }

 private:
  template <typename T>
  const T* as(DetailKind k) const { return kind_ == k ? static_cast<const T*>(facts_) : nullptr; }

  DetailKind kind_ = DetailKind::kNone;
  const void* facts_ = nullptr;
  std::string_view text_;
  bool text_cut_ = false;
  bool truncated_ = false;
};

// The kind's facts: a tagged union, read through the accessor of its kind (nullptr
// for another kind). kNone is written as {}.
class ProbeDetails {
 public:
  DetailKind kind() const { return kind_; }
  void clear() { kind_ = DetailKind::kNone; text_.clear(); }

  // Starts the facts of a kind, all zero (false, 0, null, empty), and empties the text.
  TcpDetails& set_tcp() { return begin(DetailKind::kTcp).tcp; }
  DnsDetails& set_dns() { return begin(DetailKind::kDns).dns; }
  HttpDetails& set_http() { return begin(DetailKind::kHttp).http; }
  TlsCertDetails& set_tls_cert() { return begin(DetailKind::kTlsCert).tls_cert; }
  SmtpDetails& set_smtp() { return begin(DetailKind::kSmtp).smtp; }
  NtpDetails& set_ntp() { return begin(DetailKind::kNtp).ntp; }

  const TcpDetails* tcp() const { return kind_ == DetailKind::kTcp ? &u_.tcp : nullptr; }
  const DnsDetails* dns() const { return kind_ == DetailKind::kDns ? &u_.dns : nullptr; }
  const HttpDetails* http() const { return kind_ == DetailKind::kHttp ? &u_.http : nullptr; }
  const TlsCertDetails* tls_cert() const { return kind_ == DetailKind::kTlsCert ? &u_.tls_cert : nullptr; }
  const SmtpDetails* smtp() const { return kind_ == DetailKind::kSmtp ? &u_.smtp : nullptr; }
  const NtpDetails* ntp() const { return kind_ == DetailKind::kNtp ? &u_.ntp : nullptr; }

  TextSpan add_text(std::string_view s) { return text_.add(s); }
  std::string_view text(TextSpan s) const { return text_.view(s); }
  const DetailText& pool() const { return text_; }
  DetailsView view() const {
    return DetailsView(kind_, kind_ == DetailKind::kNone ? nullptr : &u_, text_.used(), text_.cut(), false);
  }
  // Rebuilds facts read through a view (a stored record's): the kind, its struct
  // and its strings (spans stay valid: the text is copied from its start).
  void assign(const DetailsView& v);
  // The certificate's fingerprint, empty unless a tls_cert check examined one.
  std::string_view cert_sha256() const {
    return kind_ == DetailKind::kTlsCert && u_.tls_cert.examined ? text_.view(u_.tls_cert.sha256) : std::string_view();
  }

 private:
  union Facts;
  Facts& begin(DetailKind k);

  DetailKind kind_ = DetailKind::kNone;
  union Facts {
    char none;
    TcpDetails tcp;
    DnsDetails dns;
    HttpDetails http;
    TlsCertDetails tls_cert;
    SmtpDetails smtp;
    NtpDetails ntp;
  } u_{.none = 0};
  DetailText text_;
};

// The fixed-size numbers of a result (64 bytes): what a check's compact record keeps
// as they are; the summary and the facts it keeps in a shared pool.
struct ResultHead {
  Outcome outcome = Outcome::kUnknown;
  FailReason reason = FailReason::kNone;
  int8_t lwip_err = 0;        // the lwIP err_t behind a connection failure (0: none)
  uint16_t server_code = 0;   // the server's code: HTTP status, SMTP reply, DNS rcode
  PhaseTimes phases;
  int64_t latency_us = 0;
  ProbeMeasurements measurements;
};

// Everything of a result but the details.
struct ResultCore : ResultHead {
  static constexpr size_t kSummaryChars = 120;

  FixedText<kSummaryChars> summary;

  ResultCore() = default;
  ResultCore(const ResultCore&) = default;
  ResultCore& operator=(const ResultCore&);  // out of line, as ProbeResult's
  void reset();
};

struct ProbeResult : ResultCore {
  ProbeDetails details;

  ProbeResult() = default;
  ProbeResult(const ProbeResult& other) : ResultCore(other), details(other.details) {}
  // Out of line: results are copied in a few places, and one copy is smaller than many.
  ProbeResult& operator=(const ProbeResult& other);
  void reset();
};

}  // namespace probebox
