#include "probes/http_probe.h"

#include "core/view.h"
#include "lwip/pbuf.h"
#include "probes/verdicts.h"
#include "protocols/x509_summary.h"

namespace probebox {
namespace {

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == '\n' || s.front() == '\r' || s.front() == ' ')) s.remove_prefix(1);
  return s;
}

}  // namespace

void HttpProbe::DoStart() {
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  request_sent_ = false;
  peer_closed_ = false;
  connected_ = false;
  parser_ = http::ResponseParser();
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
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); fail(Outcome::kCritical, "cannot resolve the host"); break;
  }
}

void HttpProbe::on_resolved(void* self) {
  auto* probe = static_cast<HttpProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->connect();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->fail(Outcome::kCritical, "cannot resolve the host");
  }
}

void HttpProbe::connect() {
  mark(Phase::kResolve);
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_recv);
  if (tcp_connect(pcb_, &resolver_.address(), check().port, on_connected) != ERR_OK) {
    note_failure(FailReason::kUnreachable);
    fail(Outcome::kCritical, "no route to the host");
  }
}

err_t HttpProbe::on_connected(void* arg, struct tcp_pcb* pcb, err_t err) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr || probe->finished()) return ERR_OK;
  if (err != ERR_OK) {
    probe->note_failure(FailReason::kUnreachable, err);
    probe->fail(Outcome::kCritical, "connection failed");
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  probe->connected_ = true;
  probe->mark(Phase::kConnect);
  if (probe->check().https) {
    if (!probe->tls_.begin(*probe->env().tls, pcb, probe->tls_name()).ok()) {
      probe->fail(Outcome::kUnknown, "no memory for a TLS session");
    }
    else probe->drive_tls();
  } else {
    probe->send_request();
  }
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void HttpProbe::drive_tls() {
  if (!request_sent_) {
    switch (tls_.handshake(false)) {
      case net::TlsClientSession::Progress::kWantMore:
        if (peer_closed_) {
          note_failure(FailReason::kTls);
          fail(Outcome::kCritical, "TLS: the server closed during the handshake");
        }
        return;
      case net::TlsClientSession::Progress::kFailed: {
        FixedText<100> why("TLS handshake failed: ");
        tls_.describe_error(why);
        note_failure(FailReason::kTls);
        fail(Outcome::kCritical, why.view());
        return;
      }
      default:
        break;
    }
    mark(Phase::kTls);
    // Credentials go out only to a certificate judged good: trusted, for this name,
    // in date (the anchors are required: without them nothing is verified).
    if (!check().basic_user.empty()) {
      hal::WallTime wall = env().clock->wall();
      x509::PeerVerdict peer;
      x509::judge_peer(tls_.peer_chain(), env().tls->anchors(), tls_.verify_flags(), tls_name(), wall.valid,
                       wall.unix_micros / 1'000'000, peer);
      if (!peer.credentials_safe()) {
        FixedText<100> why("TLS: certificate ");
        x509::describe_fault(peer, tls_name(), why);
        why.append(": credentials not sent");
        note_failure(FailReason::kCertificate);
        fail(Outcome::kCritical, why.view());
        return;
      }
    }
    // Verified against the trust anchors when there are any; dates are the tls_cert
    // check's to judge, the name and the chain are this request's business.
    uint32_t flags = tls_.verify_flags() & ~(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (env().tls->has_trust_anchors() && flags != 0) {
      note_failure(FailReason::kCertificate);
      fail(Outcome::kCritical, (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "TLS: certificate is not for this host"
                                                                          : "TLS: certificate does not verify");
      return;
    }
    send_request();
    return;
  }
  uint8_t plain[512];
  for (int rounds = 0; rounds < 64 && !finished(); ++rounds) {
    int n = tls_.read(plain, sizeof(plain));
    if (n > 0) {
      consume({plain, static_cast<size_t>(n)});
      continue;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_READ && !peer_closed_) return;
    // Close notify, EOF or an error: the body may be framed by the close.
    if (parser_.finish_on_close().ok()) conclude();
    else fail(Outcome::kCritical, parser_.error());
    return;
  }
}

std::string_view HttpProbe::path() const {
  return check().path.empty() ? std::string_view("/") : env().config->text(check().path);
}

std::string_view HttpProbe::tls_name() const {
  // SNI and the name check use the Host the request names.
  return env().config->text(check().host_header.empty() ? check().host : check().host_header);
}

void HttpProbe::consume(std::span<const uint8_t> bytes) {
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
  request_sent_ = true;
  if (c.https) {
    if (tls_.write(reinterpret_cast<const uint8_t*>(request.c_str()), request.size()) != static_cast<int>(request.size())) {
      fail(Outcome::kCritical, "could not send the request over TLS");
    }
    return;
  }
  if (tcp_write(pcb_, request.c_str(), static_cast<u16_t>(request.size()), TCP_WRITE_FLAG_COPY) != ERR_OK) {
    fail(Outcome::kCritical, "could not send the request");
    return;
  }
  tcp_output(pcb_);
}

err_t HttpProbe::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr || probe->finished()) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (probe->check().https) {
    if (p == nullptr) {
      probe->peer_closed_ = true;
      probe->tls_.peer_closed();
    } else if (!probe->tls_.push(p)) {
      probe->fail(Outcome::kCritical, "the server sent more than the probe reads");
      return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
    }
    probe->drive_tls();
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  if (p == nullptr) {  // the server closed
    if (probe->parser_.finish_on_close().ok()) probe->conclude();
    else probe->fail(Outcome::kCritical, probe->parser_.error());
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  for (struct pbuf* q = p; q != nullptr && !probe->finished(); q = q->next) {
    probe->consume({static_cast<const uint8_t*>(q->payload), q->len});
  }
  if (!probe->aborted_in_callback_ && probe->pcb_ != nullptr) tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void HttpProbe::on_error(void* arg, err_t err) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;  // freed by lwIP
  if (probe->finished()) return;
  FixedText<100> why;
  if (!probe->connected_) {
    why.assign(err == ERR_RST ? "connection refused" : "connection failed");
    probe->note_failure(err == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, err);
  } else {
    probe->note_failure(FailReason::kReset, err);
    why.assign(err == ERR_RST ? "connection reset" : "connection lost");
    const http::ResponseParser& parser = probe->parser_;
    if (!parser.started()) {
      why.append(" before any reply");
    } else if (parser.content_length() > 0) {
      why.appendf(" mid-reply after %llu of %llu body bytes", static_cast<unsigned long long>(parser.body_bytes()),
                  static_cast<unsigned long long>(parser.content_length()));
    } else {
      why.append(" mid-reply");
    }
  }
  probe->fail(Outcome::kCritical, why.view());
}

void HttpProbe::conclude() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  int status = parser_.status_code();
  r.measurements.http_status = status;

  // /testall's healthy body is "OK" (appliance-requirements A1); elsewhere only an
  // explicit expect_body is checked.
  bool testall = last(path(), 8) == "/testall";
  HttpFacts f;
  f.status = status;
  // A redirect or an error page is judged by its status, not held to "OK".
  f.check_body = c.expect_body_set || (testall && status == 200);
  std::string_view expected = c.expect_body_set ? cfg.text(c.expect_body) : std::string_view("OK");
  f.body_match = trim_ws(parser_.body()).find(expected) != std::string_view::npos;
  f.location = parser_.location();
  f.elapsed_us = now() - started_at();

  int64_t server_date;
  hal::WallTime wall = env().clock->wall();
  if (wall.valid && http::parse_http_date(parser_.date(), server_date)) {
    f.have_skew = true;
    f.skew_s = server_date - wall.unix_micros / 1'000'000;
  }

  FixedText<200> services;
  size_t services_count = 0;
  if (testall && status >= 500) http::parse_testall_failures(parser_.body(), services, services_count);
  f.services_down = services.view();

  HttpDetails& d = r.details.set_http();
  d.has_status = true;
  d.status = static_cast<uint16_t>(status);
  d.body_match = f.check_body ? tri(f.body_match) : Tri::kNull;
  d.full = true;
  d.testall = testall;
  d.has_skew = f.have_skew;
  d.skew_s = f.skew_s;
  d.location = r.details.add_text(f.location);
  d.services_down = r.details.add_text(f.services_down);
  r.server_code = static_cast<uint16_t>(status);

  HttpRules rules;
  rules.expect_status = {c.expect_status.data(), c.expect_status_count};
  rules.warn_status = {c.warn_status.data(), c.warn_status_count};
  rules.latency_warn_ms = c.tune.latency_warn_ms;
  rules.clock_skew_warn_s = c.tune.clock_skew_warn_s;
  Verdict v = judge_http(f, rules, r.summary);
  note_failure(v.reason);
  finish(v.outcome);
}

void HttpProbe::fail(Outcome outcome, std::string_view why) {
  ProbeResult& r = out();
  r.summary.assign(why);
  note_failure(outcome == Outcome::kUnknown ? FailReason::kNoResources : FailReason::kProtocol);
  r.details.set_http();
  finish(outcome);
}

void HttpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  unsigned ms = static_cast<unsigned>(check().tune.timeout_ms);
  if (parser_.started()) r.summary.appendf("no complete answer within %u ms", ms);
  else r.summary.appendf("no answer within %u ms", ms);
  HttpDetails& d = r.details.set_http();
  d.has_status = parser_.status_code() != 0;
  d.status = static_cast<uint16_t>(parser_.status_code());
  r.server_code = d.status;
}

void HttpProbe::DoRelease() {
  resolver_.cancel();
  tls_.end();
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  tcp_setprio(pcb_, TCP_PRIO_MIN);
  if (tcp_close(pcb_) != ERR_OK) {
    tcp_abort(pcb_);
    aborted_in_callback_ = true;
  }
  pcb_ = nullptr;
}

}  // namespace probebox
