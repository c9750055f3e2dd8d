#include "probes/http_probe.h"

#include "core/json_writer.h"
#include "core/view.h"
#include "lwip/pbuf.h"
#include "protocols/x509_summary.h"

namespace probebox {
namespace {

bool in_list(const uint16_t* codes, uint8_t count, int status) {
  for (uint8_t i = 0; i < count; ++i) {
    if (codes[i] == status) return true;
  }
  return false;
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == '\n' || s.front() == '\r' || s.front() == ' ')) s.remove_prefix(1);
  return s;
}

}  // namespace

void HttpProbe::DoStart() {
  state_ = State::kResolving;
  parser_ = http::ResponseParser();
  if (!http::parse_url(env().config->text(check().url), url_).ok()) {
    fail(Outcome::kUnknown, "the URL cannot be requested");
    return;
  }
  if (url_.https && (env().tls == nullptr || !env().tls->ready())) {
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  // Basic credentials (the appliance's health API key) never cross the LAN in clear.
  if (!url_.https && !check().basic_user.empty()) {
    fail(Outcome::kCritical, "credentials not sent: Basic auth only over verified https");
    return;
  }
  resolve_then(url_.host.view());
}

void HttpProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (event) {
    case E::kUnresolved: fail(Outcome::kCritical, "cannot resolve the host"); return;
    case E::kFailed: lost(); return;
    case E::kOverflow: fail(Outcome::kCritical, "the server sent more than the probe reads"); return;
    default: break;
  }
  switch (state_) {
    case State::kResolving: connect(); return;
    case State::kConnecting:
      if (!url_.https) {
        send_request();
      } else {
        state_ = State::kHandshake;
        if (!link_.start_tls(*env().tls, tls_name()).ok()) fail(Outcome::kUnknown, "no memory for a TLS session");
        else handshake();
      }
      return;
    case State::kHandshake: handshake(); return;
    case State::kResponse:
      // The end of the stream (a close, close_notify, EOF or an error) may frame the body.
      if (link_.read(on_bytes) != net::TcpLink::Read::kEnded) return;
      if (parser_.finish_on_close().ok()) conclude();
      else fail(Outcome::kCritical, parser_.error());
      return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void HttpProbe::connect() {
  state_ = State::kConnecting;
  switch (connect_to(link_, url_.port)) {
    case net::TcpLink::Open::kNoPcb: fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)"); return;
    case net::TcpLink::Open::kFailed: fail(Outcome::kCritical, "no route to the host"); return;
    case net::TcpLink::Open::kConnecting: return;
  }
}

void HttpProbe::handshake() {
  net::TlsClientSession& tls = link_.tls();
  switch (tls.handshake(false)) {
    case net::TlsClientSession::Progress::kWantMore:
      if (link_.peer_closed()) fail(Outcome::kCritical, "TLS: the server closed during the handshake");
      return;
    case net::TlsClientSession::Progress::kFailed: {
      FixedText<100> why("TLS handshake failed: ");
      tls.describe_error(why);
      fail(Outcome::kCritical, why.view());
      return;
    }
    default:
      break;
  }
  // Credentials go out only to a certificate judged good: trusted, for this name,
  // in date (the anchors are required: without them nothing is verified).
  if (!check().basic_user.empty()) {
    hal::WallTime wall = env().clock->wall();
    x509::PeerVerdict peer;
    x509::judge_peer(tls.peer_chain(), env().tls->anchors(), tls.verify_flags(), tls_name(), wall.valid,
                     wall.unix_micros / 1'000'000, peer);
    if (!peer.credentials_safe()) {
      FixedText<100> why("TLS: certificate ");
      x509::describe_fault(peer, tls_name(), why);
      why.append(": credentials not sent");
      fail(Outcome::kCritical, why.view());
      return;
    }
  }
  // Verified against the trust anchors when there are any; dates are the tls_cert
  // check's to judge, the name and the chain are this request's business.
  uint32_t flags = tls.verify_flags() & ~(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (env().tls->has_trust_anchors() && flags != 0) {
    fail(Outcome::kCritical, (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "TLS: certificate is not for this host"
                                                                        : "TLS: certificate does not verify");
    return;
  }
  send_request();
}

std::string_view HttpProbe::tls_name() const {
  // SNI and the name check use the Host the request names.
  return check().host_header.empty() ? url_.host.view() : env().config->text(check().host_header);
}

void HttpProbe::consume(std::span<const uint8_t> bytes) {
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
    host.assign(url_.host.view());
    if (url_.port != (url_.https ? 443 : 80)) host.appendf(":%u", url_.port);
  }
  FixedText<200> basic;
  if (!c.basic_user.empty()) {
    basic.assign(cfg.text(c.basic_user));
    basic.append(':');
    basic.append(cfg.text(c.basic_password));
  }
  FixedText<1024> request;
  if (!http::build_get_request(request, host.view(), url_.path.view(), basic.view()).ok()) {
    fail(Outcome::kUnknown, "request cannot be built from the config");
    return;
  }
  state_ = State::kResponse;
  if (!link_.send(request.view())) {
    fail(Outcome::kCritical, url_.https ? "could not send the request over TLS" : "could not send the request");
  }
}

void HttpProbe::lost() {
  // A reset before the connection is up is a refusal, after it a broken reply.
  err_t err = link_.error();
  FixedText<100> why;
  if (state_ <= State::kConnecting) {
    // The HTTPS-only rule: a closed plain-HTTP port serves nothing in clear.
    if (err == ERR_RST && check().expect_https_redirect) {
      fail(Outcome::kOk, "port closed: no plain HTTP (HTTPS only)");
      return;
    }
    why.assign(err == ERR_RST ? "connection refused" : "connection failed");
  } else {
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
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  int status = parser_.status_code();
  r.measurements.http_status = status;
  if (c.expect_https_redirect) {
    conclude_https_redirect(status);
    return;
  }

  // /testall's healthy body is "OK" (appliance-requirements A1); elsewhere only an
  // explicit expect_body is checked.
  bool testall = url_.path.view().size() >= 8 && after(url_.path.view(), url_.path.view().size() - 8) == "/testall";
  // A redirect or an error page is judged by its status, not held to "OK".
  bool check_body = c.expect_body_set || (testall && status == 200);
  std::string_view expected = c.expect_body_set ? cfg.text(c.expect_body) : std::string_view("OK");
  bool body_match = trim_ws(parser_.body()).find(expected) != std::string_view::npos;

  bool expected_status = c.expect_status_count == 0 ? status == 200
                                                     : in_list(c.expect_status.data(), c.expect_status_count, status);
  bool warn_status = in_list(c.warn_status.data(), c.warn_status_count, status);

  bool have_skew = false;
  int64_t skew_s = 0;
  int64_t server_date;
  hal::WallTime wall = env().clock->wall();
  if (wall.valid && http::parse_http_date(parser_.date(), server_date)) {
    have_skew = true;
    skew_s = server_date - wall.unix_micros / 1'000'000;
  }

  FixedText<200> services;
  size_t services_count = 0;
  if (testall && status >= 500) http::parse_testall_failures(parser_.body(), services, services_count);

  JsonWriter w(r.details);
  w.begin_object().field_int("http_status", status);
  if (check_body) w.field_bool("body_match", body_match);
  else w.key("body_match").null();
  if (!parser_.location().empty()) w.field("location", parser_.location());
  if (testall) {
    w.key("services_down").begin_array();
    std::string_view rest = services.view();
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      w.string(first(rest, comma));
      rest = comma == std::string_view::npos ? std::string_view() : after(rest, comma + 1);
    }
    w.end_array();
  }
  if (have_skew) w.field_int("server_date_skew_s", skew_s);
  else w.key("server_date_skew_s").null();
  w.end_object();

  Outcome outcome = Outcome::kOk;
  r.summary.appendf("HTTP %d", status);
  if (!expected_status && !warn_status) {
    outcome = Outcome::kCritical;
    if (!parser_.location().empty()) {
      r.summary.append(" -> ");
      r.summary.append(parser_.location());
    } else if (services_count > 0) {
      r.summary.append(", down: ");
      r.summary.append(services.view());
    }
  } else if (warn_status) {
    outcome = Outcome::kWarning;
  } else if (check_body && !body_match) {
    outcome = Outcome::kCritical;
    r.summary.append(", body does not match");
  } else if (now() - started_at() > static_cast<int64_t>(c.tune.latency_warn_ms) * 1000) {
    outcome = Outcome::kWarning;
    r.summary.append(", slow");
  } else if (have_skew && (skew_s > static_cast<int64_t>(c.tune.clock_skew_warn_s) ||
                           -skew_s > static_cast<int64_t>(c.tune.clock_skew_warn_s))) {
    outcome = Outcome::kWarning;
    r.summary.appendf(", server clock %+d s off", static_cast<int>(skew_s));
  } else {
    r.summary.append(check_body ? " OK" : "");
  }
  finish(outcome);
}

// spec/checks.md, http `expect_https_redirect`: a 301/308 to https:// on the name
// asked for is ok; anything else served in clear is a warning.
void HttpProbe::conclude_https_redirect(int status) {
  ProbeResult& r = out();
  std::string_view location = parser_.location();
  JsonWriter w(r.details);
  w.begin_object().field_int("http_status", status).key("body_match").null();
  if (!location.empty()) w.field("location", location);
  w.end_object();
  bool ok = http::is_https_redirect(status, location, tls_name());
  r.summary.appendf("HTTP %d", status);
  if (!location.empty()) {
    r.summary.append(" -> ");
    r.summary.append(location);
  }
  if (!ok) r.summary.append(location.empty() ? ": served in clear, no https redirect" : ": not https on this host");
  finish(ok ? Outcome::kOk : Outcome::kWarning);
}

void HttpProbe::fail(Outcome outcome, std::string_view why) {
  ProbeResult& r = out();
  r.summary.assign(why);
  JsonWriter(r.details).begin_object().key("http_status").null().key("body_match").null().end_object();
  finish(outcome);
}

void HttpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  unsigned ms = static_cast<unsigned>(check().tune.timeout_ms);
  if (parser_.started()) r.summary.appendf("no complete answer within %u ms", ms);
  else r.summary.appendf("no answer within %u ms", ms);
  JsonWriter w(r.details);
  w.begin_object();
  if (parser_.status_code() != 0) w.field_int("http_status", parser_.status_code());
  else w.key("http_status").null();
  w.key("body_match").null().end_object();
}

void HttpProbe::DoRelease() {
  state_ = State::kDone;
  link_.close();
}

}  // namespace probebox
