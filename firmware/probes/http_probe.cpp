#include "probes/http_probe.h"

#include "core/json_writer.h"
#include "lwip/altcp_tcp.h"
#include "lwip/pbuf.h"

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
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  parser_ = http::ResponseParser();
  if (!http::parse_url(env().config->text(check().url), url_).ok()) {
    fail(Outcome::kUnknown, "the URL cannot be requested");
    return;
  }
  if (url_.https) {
    fail(Outcome::kUnknown, "https needs TLS, not built into this firmware yet");
    return;
  }
  switch (resolver_.start(url_.host.view(), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: fail(Outcome::kCritical, "cannot resolve the host"); break;
  }
}

void HttpProbe::on_resolved(void* self) {
  auto* probe = static_cast<HttpProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) probe->connect();
  else probe->fail(Outcome::kCritical, "cannot resolve the host");
}

void HttpProbe::connect() {
  pcb_ = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  altcp_arg(pcb_, this);
  altcp_err(pcb_, on_error);
  altcp_recv(pcb_, on_recv);
  if (altcp_connect(pcb_, &resolver_.address(), url_.port, on_connected) != ERR_OK) {
    fail(Outcome::kCritical, "no route to the host");
  }
}

err_t HttpProbe::on_connected(void* arg, struct altcp_pcb*, err_t err) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr || probe->finished()) return ERR_OK;
  if (err != ERR_OK) probe->fail(Outcome::kCritical, "connection failed");
  else probe->send_request();
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
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
  if (altcp_write(pcb_, request.c_str(), static_cast<u16_t>(request.size()), TCP_WRITE_FLAG_COPY) != ERR_OK) {
    fail(Outcome::kCritical, "could not send the request");
    return;
  }
  altcp_output(pcb_);
}

err_t HttpProbe::on_recv(void* arg, struct altcp_pcb* pcb, struct pbuf* p, err_t) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr || probe->finished()) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr) {  // the server closed
    if (probe->parser_.finish_on_close().ok()) probe->conclude();
    else probe->fail(Outcome::kCritical, probe->parser_.error());
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  for (struct pbuf* q = p; q != nullptr && !probe->finished(); q = q->next) {
    Status s = probe->parser_.feed({static_cast<const uint8_t*>(q->payload), q->len});
    if (!s.ok()) probe->fail(Outcome::kCritical, probe->parser_.error());
    else if (probe->parser_.done()) probe->conclude();
  }
  if (!probe->aborted_in_callback_ && probe->pcb_ != nullptr) altcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void HttpProbe::on_error(void* arg, err_t err) {
  auto* probe = static_cast<HttpProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;  // freed by lwIP
  if (!probe->finished()) {
    probe->fail(Outcome::kCritical, err == ERR_RST ? "connection refused or reset" : "connection failed");
  }
}

void HttpProbe::conclude() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  int status = parser_.status_code();
  r.measurements.http_status = status;

  // /testall's healthy body is "OK" (appliance-requirements A1); elsewhere only an
  // explicit expect_body is checked.
  bool testall = url_.path.view().size() >= 8 && url_.path.view().substr(url_.path.view().size() - 8) == "/testall";
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
      w.string(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
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

void HttpProbe::fail(Outcome outcome, std::string_view why) {
  ProbeResult& r = out();
  r.summary.assign(why);
  JsonWriter(r.details).begin_object().key("http_status").null().key("body_match").null().end_object();
  finish(outcome);
}

void HttpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.appendf("no complete answer in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  JsonWriter w(r.details);
  w.begin_object();
  if (parser_.status_code() != 0) w.field_int("http_status", parser_.status_code());
  else w.key("http_status").null();
  w.key("body_match").null().end_object();
}

void HttpProbe::DoRelease() {
  resolver_.cancel();
  if (pcb_ == nullptr) return;
  altcp_arg(pcb_, nullptr);
  altcp_err(pcb_, nullptr);
  altcp_recv(pcb_, nullptr);
  if (altcp_close(pcb_) != ERR_OK) {
    altcp_abort(pcb_);
    aborted_in_callback_ = true;
  }
  pcb_ = nullptr;
}

}  // namespace probebox
