#include "probes/http_probe.h"

#include "core/limits.h"
#include "core/view.h"
#include "lwip/pbuf.h"
#include "mbedtls/sha256.h"
#include "probes/link_reuse.h"
#include "probes/verdicts.h"
#include "protocols/x509_summary.h"

namespace probebox {

void HttpProbe::new_response() {
  parser_ = http::ResponseParser();
  const CheckConfig& c = check();
  body_.reset(c.expect_body_set ? env().config->text(c.expect_body) : std::string_view("OK"));
  parser_.set_body_sink(&body_);
  parser_.set_redirect_host(tls_name());
}

void HttpProbe::DoStart() {
  // Started again while holding a kept connection: the scheduler passes it to this
  // check, which keeps_link_for() said may use it. What the session is (its version,
  // its leaf, its slot in the resumption store) stays with it.
  reused_ = state_ == State::kKept && link_.open() && !link_.peer_closed();
  if (state_ == State::kKept && !reused_) drop_kept();
  keep_ = false;
  state_ = State::kResolving;
  new_response();
  facts_.clear();
  judged_ = false;
  answered_by_.clear();
  nodes_answered_ = 0;
  sample_ = 1;
  samples_ = 1;
  nodes_ = 0;
  node_leaf_ = 0;
  if (!reused_) {
    cert_id_.clear();
    session_key_ = 0;
    server_key_ = 0;
    version_ = net::TlsVersion::k12;
    refused_12_ = 0;
  }
  sample_started_ = now();
  slowest_sample_us_ = 0;
  if (check().role == CheckRole::kLbTestall) {
    const Config& cfg = *env().config;
    unsigned nodes = 0;
    for (uint16_t i = 0; i < cfg.check_count; ++i) nodes += cfg.checks[i].role == CheckRole::kNodeTestall ? 1 : 0;
    samples_ = static_cast<uint8_t>(nodes * 2 < 2 ? 2 : nodes * 2 > kMaxSamples ? kMaxSamples : nodes * 2);
    nodes_ = static_cast<uint8_t>(nodes < kMaxSamples ? nodes : kMaxSamples);
  }
  // The url was split when the config loaded (CheckConfig: host, port, https, path).
  if (check().host.empty()) {
    fail(Outcome::kUnknown, "the URL cannot be requested");
    return;
  }
  if (check().https && (env().tls == nullptr || !env().tls->ready())) {
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  // Basic credentials (the appliance's health API key) never cross the LAN in clear.
  if (!check().https && !check().basic_user.empty()) {
    fail(Outcome::kCritical, "credentials not sent: Basic auth only over verified https");
    return;
  }
  if (reused_) {
    send_on_kept();
    return;
  }
  resolve_then(env().config->text(check().host));
}

void HttpProbe::drop_kept() {
  link_.close(net::TcpLink::Ending::kReset);
  state_ = State::kDone;
}

bool HttpProbe::DoKeepsLinkFor(const CheckConfig& next) const {
  return state_ == State::kKept && link_.open() && !link_.peer_closed() &&
         http_shares_connection(*env().config, check(), next);
}

void HttpProbe::send_on_kept() {
  bool verified_by_handshake = false;
  if (check().https && !judge_certificate(verified_by_handshake)) return;
  send_request();
}

// RFC 9112 9.3.1: a server may close an idle connection whenever it likes, and the
// close may cross the request. Nothing of the answer came, so nothing is judged: the
// request again, on a new connection (a new lookup, connect and handshake, the
// session resumed), opened from the next poll rather than from inside this link's
// callback.
bool HttpProbe::retry_fresh() {
  if (!reused_ || parser_.started()) return false;
  reused_ = false;
  link_.close(net::TcpLink::Ending::kReset);
  new_response();
  state_ = State::kReconnect;
  arm_next();
  return true;
}

void HttpProbe::process(net::LinkEvent event) {
  // Anything on a kept connection (the server closed it, or sent what nobody asked
  // for) ends it: no check will send on it.
  if (state_ == State::kKept) {
    drop_kept();
    return;
  }
  // A lost connection is judged by how far the exchange got (lost()).
  if (event == net::LinkEvent::kFailed) {
    lost();
    return;
  }
  if (ended_by(event, link_, "the server sent more than the probe reads")) return;
  switch (state_) {
    case State::kResolving:
      mark(Phase::kResolve);
      connect();
      return;
    case State::kConnecting:
      mark(Phase::kConnect);
      if (!check().https) {
        send_request();
      } else {
        state_ = State::kHandshake;
        if (!start_tls().ok()) fail(Outcome::kUnknown, "no memory for a TLS session");
        else handshake();
      }
      return;
    case State::kHandshake: handshake(); return;
    case State::kResponse:
      // The end of the stream (a close, close_notify, EOF or an error) may frame the body;
      // an answer complete before it was judged as it came (consume()).
      if (link_.read(on_bytes) != net::TcpLink::Read::kEnded || finished()) return;
      if (retry_fresh()) return;
      if (parser_.finish_on_close().ok()) conclude();
      else fail(Outcome::kCritical, parser_.error());
      return;
    case State::kNextSample:
      if (event == net::LinkEvent::kRetry) connect();
      return;
    case State::kReconnect:
      if (event == net::LinkEvent::kRetry) {
        state_ = State::kResolving;
        resolve_then(env().config->text(check().host));
      }
      return;
    case State::kIdle:
    case State::kKept:
    case State::kDone:
      return;
  }
}

void HttpProbe::connect() {
  state_ = State::kConnecting;
  (void)connect_or_fail(link_, check().port);
}

// The session of the server's node expected to take the connection is offered
// (net/resumption_store.h says which, and when none is): resumed, the handshake costs
// no key exchange and no chain verification. A server reached directly is its own
// lone node; behind a load balancer (an appliance profile's, or one a plain check
// names) each node has its own.
Status HttpProbe::start_tls() {
  net::ResumptionStore* store = env().sessions;
  server_key_ = store != nullptr ? net::ResumptionStore::key(env().config->text(check().host), check().port, tls_name()) : 0;
  session_key_ = server_key_ != 0 ? store->expected_node(server_key_) : 0;
  node_leaf_ = 0;
  session_generation_ = store != nullptr ? store->generation() : 0;
  offered_leaf_ = 0;
  const net::TlsResumption* offer = session_key_ != 0 ? store->find(session_key_, now(), &offered_leaf_) : nullptr;
  return link_.start_tls(*env().tls, tls_name(), version_, offer);
}

// The session may not be offered again (the handshake or the certificate failed).
void HttpProbe::forget_session() {
  if (session_key_ != 0 && env().sessions != nullptr) env().sessions->drop(session_key_);
  session_key_ = 0;
}

void HttpProbe::handshake() {
  net::TlsClientSession& tls = link_.tls();
  switch (tls.handshake(false)) {
    case net::TlsClientSession::Progress::kWantMore:
      if (link_.peer_closed()) {
        forget_session();
        note_failure(FailReason::kTls);
        fail(Outcome::kCritical, "TLS: the server closed during the handshake");
      }
      return;
    case net::TlsClientSession::Progress::kFailed: {
      forget_session();
      if (tls.lacked_memory()) {
        note_failure(FailReason::kNoResources);
        fail(Outcome::kUnknown, "TLS handshake not finished: no TLS memory free on the box");
        return;
      }
      if (retry_with_tls13()) return;
      FixedText<100> why("TLS handshake failed: ");
      if (version_ == net::TlsVersion::k13 && tls.refused_version()) {
        // Both refused: both answers, as tls_cert names them.
        net::describe_refusals(refused_12_, tls.refusal(), false, why);
      } else {
        tls.describe_error(why);
      }
      note_failure(FailReason::kTls);
      fail(Outcome::kCritical, why.view());
      return;
    }
    default:
      break;
  }
  mark(Phase::kTls);
  // The certificate that answered, short: tells nodes apart behind a load balancer
  // when they send no X-Auth0-Host (and serve certificates of their own).
  // A resumed session's leaf is the one it was saved with: its fingerprint was kept.
  cert_id_.clear();
  uint64_t leaf_id = tls.resumed() ? offered_leaf_ : 0;
  if (const mbedtls_x509_crt* leaf = tls.peer_chain(); leaf_id == 0 && leaf != nullptr && leaf->raw.p != nullptr) {
    unsigned char digest[32];
    if (mbedtls_sha256(leaf->raw.p, leaf->raw.len, digest, 0) == 0) leaf_id = net::ResumptionStore::fingerprint(digest);
  }
  if (leaf_id != 0) {
    cert_id_.assign("cert:");
    static constexpr char kHex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 32; shift -= 4) cert_id_.append(kHex[(leaf_id >> shift) & 0xf]);
  }
  bool verified_by_handshake = false;
  if (!judge_certificate(verified_by_handshake)) return;
  keep_session(verified_by_handshake, leaf_id);
  send_request();
}

bool HttpProbe::judge_certificate(bool& verified_by_handshake) {
  net::TlsClientSession& tls = link_.tls();
  // Credentials go out only to a certificate judged good: trusted (to the anchors or
  // the public roots: with neither nothing is verified), for this name, in date.
  hal::WallTime wall = env().clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
  const x509::RootLookup* public_roots = env().tls->public_roots(check().tune.public_roots, wall.valid, now_s);
  if (!check().basic_user.empty()) {
    x509::PeerVerdict peer;
    x509::judge_peer(tls.peer_chain(), env().tls->anchors(), tls.verify_flags(), tls_name(), wall.valid, now_s, peer,
                     public_roots);
    if (!peer.credentials_safe()) {
      forget_session();
      FixedText<100> why("TLS: certificate ");
      x509::describe_fault(peer, tls_name(), why);
      why.append(": credentials not sent");
      note_failure(FailReason::kCertificate);
      fail(Outcome::kCritical, why.view());
      return false;
    }
  }
  // Verified against the trust anchors (the handshake's verification) or else the
  // public roots, when there are any; dates are the tls_cert check's to judge, the
  // name and the chain are this request's business.
  uint32_t flags = tls.verify_flags() & ~(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  bool anchors = env().tls->has_trust_anchors();
  if (anchors || public_roots != nullptr) {
    bool wrong_name = (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0;
    bool verified = anchors && flags == 0;
    if (!verified && !wrong_name && public_roots != nullptr) {
      verified = x509::judge_chain(tls.peer_chain(), nullptr, 0, public_roots).trusted == x509::Trust::kYes;
    }
    if (wrong_name || !verified) {
      forget_session();
      note_failure(FailReason::kCertificate);
      FixedText<140> why(wrong_name ? "TLS: certificate is not for this host" : "TLS: certificate does not verify");
      // A signature the box refused to compute is the reason, when there is one.
      if (!wrong_name && tls.rsa_long_exponent_refused()) {
        why.appendf(": an RSA key in its chain has a public exponent over %u bits",
                    static_cast<unsigned>(PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS));
      } else if (!wrong_name && tls.rsa_work_refused()) {
        why.append(": its RSA keys ask more work than the box gives one connection");
      }
      fail(Outcome::kCritical, why.view());
      return false;
    }
  }
  verified_by_handshake = anchors && flags == 0;
  return true;
}

// The server refused TLS 1.2 (an alert, or a close before any ServerHello): the same
// request again over a new connection offering only 1.3, within the same deadline.
// False when it was 1.3 already, or the old connection had to be aborted (then the
// link must not be reused in this callback, and the refusal is the verdict).
bool HttpProbe::retry_with_tls13() {
  net::TlsClientSession& tls = link_.tls();
  if (version_ != net::TlsVersion::k12 || !tls.refused_version()) return false;
  int16_t refusal = static_cast<int16_t>(tls.refusal());
  if (link_.close() == ERR_ABRT) return false;
  refused_12_ = refusal;
  version_ = net::TlsVersion::k13;
  connect();
  return true;
}

// After a handshake whose certificate passed: a resumed session counts one more use;
// a full handshake's session is kept, once the response names its node, when the
// handshake verified the chain to the anchors (a saved session holds the leaf alone:
// a chain trusted by the public roots could not be judged again from it). Another
// outcome leaves nothing to offer.
void HttpProbe::keep_session(bool verified_by_handshake, uint64_t leaf_id) {
  net::ResumptionStore* store = env().sessions;
  if (store == nullptr || server_key_ == 0) return;
  net::TlsClientSession& tls = link_.tls();
  if (tls.resumed()) {
    store->resumed(session_key_);
    return;
  }
  // The store resumes TLS 1.2 sessions: a 1.3 server's tickets come after the
  // handshake, and a 1.3 session saves no certificate to judge again.
  if (tls.negotiated_tls13()) {
    store->drop(session_key_);
    return;
  }
  // The node that answered is known from its response (keep_node_session); the
  // session offered, if any, was another node's, declined, and stays that node's.
  node_leaf_ = verified_by_handshake ? leaf_id : 0;
}

void HttpProbe::keep_node_session(std::string_view node) {
  net::ResumptionStore* store = env().sessions;
  if (store == nullptr || server_key_ == 0 || node.empty() || !link_.tls_active()) return;
  const uint32_t node_key = net::ResumptionStore::node_key(server_key_, node);
  if (node_leaf_ != 0) {
    net::TlsResumption* slot = store->claim(node_key, session_generation_, node_leaf_, now(), server_key_);
    if (slot == nullptr || !link_.tls().save(*slot)) store->drop(node_key);
    node_leaf_ = 0;
  }
  using Request = net::ResumptionStore::Request;
  store->answered(server_key_, node_key,
                  sample_ > 1 ? Request::kBackToBack : samples_ > 1 ? Request::kFirstOfRun : Request::kOnlyOne);
}

std::string_view HttpProbe::path() const { return http_request_path(*env().config, check()); }

std::string_view HttpProbe::tls_name() const { return http_tls_name(*env().config, check()); }

void HttpProbe::consume(std::span<const uint8_t> bytes) {
  // More bytes after the answer that kept the connection, in the same read: it is
  // not fit for another request after all.
  if (state_ == State::kKept) {
    drop_kept();
    return;
  }
  mark(Phase::kFirstByte);
  Status s = parser_.feed(bytes);
  if (!s.ok()) fail(Outcome::kCritical, parser_.error());
  else if (parser_.done()) conclude();
}

void HttpProbe::send_request() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  FixedText<300> host;
  if (!c.host_header.empty()) {
    host.assign(cfg.text(c.host_header));
  } else {
    host.assign(cfg.text(c.host));
    if (c.port != (c.https ? 443 : 80)) host.appendf(":%u", c.port);
  }
  FixedText<200> basic;
  if (!c.basic_user.empty()) {
    basic.assign(cfg.text(c.basic_user));
    basic.append(':');
    basic.append(cfg.text(c.basic_password));
  }
  FixedText<1024> request;
  if (!http::build_get_request(request, host.view(), path(), basic.view()).ok()) {
    fail(Outcome::kUnknown, "request cannot be built from the config");
    return;
  }
  state_ = State::kResponse;
  if (!link_.send(request.view())) {
    if (link_.send_lacked_memory()) {
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, net::TcpLink::send_shortage());
      return;
    }
    if (retry_fresh()) return;
    note_failure(FailReason::kReset);
    fail(Outcome::kCritical, c.https ? "could not send the request over TLS" : "could not send the request");
  }
}

void HttpProbe::lost() {
  if (retry_fresh()) return;
  // A reset before the connection is up is a refusal, after it a broken reply.
  err_t err = link_.error();
  FixedText<100> why;
  if (state_ <= State::kConnecting) {
    note_failure(err == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, err);
    // The HTTPS-only rule: a closed plain-HTTP port serves nothing in clear.
    if (err == ERR_RST && check().expect_https_redirect) {
      fail(Outcome::kOk, "port closed: no plain HTTP (HTTPS only)");
      return;
    }
    why.assign(err == ERR_RST ? "connection refused" : "connection failed");
  } else {
    note_failure(FailReason::kReset, err);
    why.assign(err == ERR_RST ? "connection reset" : "connection lost");
    const http::ResponseParser& parser = parser_;
    if (!parser.started()) {
      why.append(" before any reply");
    } else if (parser.content_length() > 0) {
      why.appendf(" mid-reply after %llu of %llu body bytes", static_cast<unsigned long long>(parser.body_bytes()),
                  static_cast<unsigned long long>(parser.content_length()));
    } else {
      why.append(" mid-reply");
    }
  }
  fail(Outcome::kCritical, why.view());
}

void HttpProbe::conclude() {
  const CheckConfig& c = check();
  ResultCore& r = out();
  int status = parser_.status_code();
  r.measurements.http_status = status;
  r.server_code = static_cast<uint16_t>(status);

  HttpFacts f;
  f.status = status;
  f.location = parser_.location();
  f.location_cut = parser_.location_cut();
  f.location_to_host = parser_.location_to_host();
  f.host = tls_name();
  f.elapsed_us = until_reply(started_at());
  HttpRules rules;
  std::array<uint16_t, CheckConfig::kMaxStatusCodes> expect_codes, warn_codes;
  rules.expect_status = {expect_codes.data(), env().config->status_codes(c.expect_status, expect_codes)};
  rules.warn_status = {warn_codes.data(), env().config->status_codes(c.warn_status, warn_codes)};
  rules.latency_warn_ms = c.tune.latency_warn_ms;
  rules.clock_skew_warn_s = c.tune.clock_skew_warn_s;
  rules.expect_https_redirect = c.expect_https_redirect;

  HttpDetails& d = facts_.set();
  d.has_status = true;
  d.status = static_cast<uint16_t>(status);
  judged_ = true;  // the strings: DoDetails()
  services_shown_ = !c.expect_https_redirect;
  if (!c.expect_https_redirect) {
    // /testall's healthy body is "OK" (appliance-requirements A1); elsewhere only an
    // explicit expect_body is checked.
    bool testall = last(path(), 8) == "/testall";
    // A redirect or an error page is judged by its status, not held to "OK".
    f.check_body = c.expect_body_set || (testall && status == 200);
    // new_response() set body_ to look for c.expect_body, else "OK", as the body streamed.
    body_.end();
    f.body_match = body_.matched();

    int64_t server_date;
    hal::WallTime wall = env().clock->wall();
    if (wall.valid && parser_.date(server_date)) {
      f.have_skew = true;
      f.skew_s = server_date - wall.unix_micros / 1'000'000;
    }
    if (testall && status >= 500) f.services_down = body_.services();
    f.testall = testall;
    f.content_type = parser_.content_type();
    f.content_type_cut = parser_.content_type_cut();

    d.body_match = f.check_body ? tri(f.body_match) : Tri::kNull;
    d.full = true;
    d.testall = testall;
    d.has_skew = f.have_skew;
    d.skew_s = f.skew_s;
  }

  const std::string_view node = parser_.node().empty() ? cert_id_.view() : parser_.node();
  note_answered_by(node);
  keep_node_session(node);
  d.samples = sample_;
  Verdict v = judge_http(f, rules, r.summary);
  // Another request only if it fits before the deadline (twice the slowest so far):
  // a loaded box samples fewer, it never turns a good answer into a timeout.
  const hal::MonoMicros t = now();
  if (t - sample_started_ > slowest_sample_us_) slowest_sample_us_ = t - sample_started_;
  const hal::MonoMicros deadline = started_at() + static_cast<hal::MonoMicros>(c.tune.timeout_ms) * 1000;
  const bool time_for_another = t + 2 * slowest_sample_us_ < deadline;
  const bool every_node_answered = nodes_ > 0 && nodes_answered_ >= nodes_;
  if (v.outcome == Outcome::kOk && sample_ < samples_ && time_for_another && !every_node_answered) {
    // The next request on a new connection (a balancer picks a node per connection),
    // opened from the next poll, not from inside this connection's callback.
    link_.close(net::TcpLink::Ending::kReset);
    new_response();
    ++sample_;
    state_ = State::kNextSample;
    sample_started_ = t;
    arm_next();
    return;
  }
  // Fit for another request, and a check may follow on it: kept (DoRelease).
  keep_ = env().memory != nullptr && env().memory->passes_link && samples_ == 1 && parser_.reusable() &&
          link_.open() && !link_.peer_closed() && (!c.https || link_.tls_active());
  if (samples_ > 1 && v.outcome != Outcome::kOk) {
    r.summary.appendf(" (request %u)", static_cast<unsigned>(sample_));
  } else if (samples_ > 1 && (sample_ == samples_ || every_node_answered)) {
    r.summary.appendf(", %u requests", static_cast<unsigned>(sample_));
  } else if (samples_ > 1) {
    r.summary.appendf(", %u of %u requests (no time for more)", static_cast<unsigned>(sample_),
                      static_cast<unsigned>(samples_));
  }
  finish(v.outcome, v.reason);
}

void HttpProbe::note_answered_by(std::string_view node) {
  if (node.empty()) return;
  std::string_view seen = answered_by_.view();
  for (size_t at = 0; at <= seen.size();) {
    size_t comma = seen.find(',', at);
    size_t end = comma == std::string_view::npos ? seen.size() : comma;
    if (slice(seen, at, end - at) == node) return;
    at = end + 1;
  }
  if (!answered_by_.empty()) answered_by_.append(',');
  answered_by_.append(node);
  ++nodes_answered_;
}

void HttpProbe::fail(Outcome outcome, std::string_view why) {
  ResultCore& r = out();
  r.summary.assign(why);
  note_failure(outcome == Outcome::kUnknown ? FailReason::kNoResources : FailReason::kProtocol);
  facts_.set();
  judged_ = false;
  finish(outcome);
}

void HttpProbe::DoDetails(ProbeDetails& details) const {
  if (!facts_.is_set()) return;
  HttpDetails& d = details.set_http();
  d = facts_.get();
  if (!judged_) return;
  d.location = details.add_text(parser_.location());
  d.location_cut = parser_.location_cut();
  if (services_shown_) {
    bool listed = d.testall && d.status >= 500;
    d.services_down = details.add_text(listed ? body_.services() : std::string_view());
  }
  d.answered_by = details.add_text(answered_by_.view());
}

void HttpProbe::DoDescribeTimeout() {
  ResultCore& r = out();
  unsigned ms = static_cast<unsigned>(check().tune.timeout_ms);
  if (parser_.started()) r.summary.appendf("no complete answer within %u ms", ms);
  else r.summary.appendf("no answer within %u ms", ms);
  if (samples_ > 1) r.summary.appendf(" (request %u)", static_cast<unsigned>(sample_));
  judged_ = false;
  HttpDetails& d = facts_.set();
  d.has_status = parser_.status_code() != 0;
  d.status = static_cast<uint16_t>(parser_.status_code());
  r.server_code = d.status;
}

void HttpProbe::DoRelease() {
  // Ended mid-handshake (a timeout, a reset, a failure): that session is not offered again.
  if (state_ == State::kHandshake) forget_session();
  // An answer that leaves the connection fit for the next check: the scheduler passes
  // it on, or the destructor ends it.
  if (keep_) {
    state_ = State::kKept;
    return;
  }
  state_ = State::kDone;
  link_.close(net::TcpLink::Ending::kReset);
}

}  // namespace probebox
