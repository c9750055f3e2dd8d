#include "probes/tcp_probe.h"

#include "core/json_writer.h"

namespace probebox {

void TcpProbe::DoStart() {
  state_ = State::kResolving;
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  icmp_ticket_ = -1;
  icmp_code_ = -1;
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: conclude("unreachable", "cannot resolve host"); break;
  }
}

void TcpProbe::on_resolved(void* self) {
  auto* probe = static_cast<TcpProbe*>(self);
  if (probe->state_ != State::kResolving) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->connect();
  } else {
    probe->conclude("unreachable", "cannot resolve host");
  }
}

void TcpProbe::connect() {
  state_ = State::kConnecting;
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    out().summary.assign("no TCP connection free (lwIP pool exhausted)");
    out().details.assign("{\"state\":\"unreachable\"}");
    finish(Outcome::kUnknown);
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  connect_started_ = now();
  err_t err = tcp_connect(pcb_, &resolver_.address(), check().port, on_connected);
  if (err != ERR_OK) {
    conclude("unreachable", lwip_strerr(err));
    return;
  }
  icmp_ticket_ = net::IcmpWatch::watch(pcb_, this, on_icmp);
}

void TcpProbe::on_icmp(void* self, const icmp::Unreachable& message) {
  auto* probe = static_cast<TcpProbe*>(self);
  if (probe->state_ != State::kConnecting) return;
  probe->icmp_ticket_ = -1;  // delivered at most once: the slot is free already
  probe->icmp_code_ = message.code;
  probe->conclude("unreachable", icmp::code_name(message.code));
}

err_t TcpProbe::on_connected(void* arg, struct tcp_pcb*, err_t err) {
  auto* probe = static_cast<TcpProbe*>(arg);
  if (probe == nullptr || probe->state_ != State::kConnecting) return ERR_OK;
  probe->conclude(err == ERR_OK ? "open" : "unreachable");
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void TcpProbe::on_error(void* arg, err_t err) {
  // lwIP has already freed the pcb: forget it, never touch it.
  auto* probe = static_cast<TcpProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;
  if (probe->state_ != State::kConnecting) return;
  probe->conclude(err == ERR_RST ? "refused" : "unreachable", err == ERR_RST ? nullptr : lwip_strerr(err));
}

void TcpProbe::conclude(std::string_view port_state, const char* why) {
  const CheckConfig& c = check();
  std::string_view host = env().config->text(c.host);
  int64_t connect_us = now() - connect_started_;
  bool open = port_state == "open";
  Outcome outcome = judge(port_state, connect_us);
  ProbeResult& r = out();
  r.summary.assign(host);
  r.summary.appendf(":%u ", c.port);
  if (open) {
    r.summary.append(c.expect == ExpectPort::kClosed        ? "open, expected closed"
                     : c.expect == ExpectPort::kUnreachable ? "open, expected unreachable"
                                                            : "open in ");
    if (c.expect == ExpectPort::kOpen) {
      r.summary.append_fixed(static_cast<double>(connect_us) / 1000.0, 1);
      r.summary.append(" ms");
    }
  } else {
    r.summary.append(port_state);
    if (why != nullptr) {
      r.summary.append(": ");
      r.summary.append(why);
    }
    if (c.expect == ExpectPort::kUnreachable && outcome == Outcome::kWarning) {
      r.summary.append(" (it answers: isolation not proven)");
    }
  }
  JsonWriter details(r.details);
  details.begin_object().field("state", port_state);
  if (icmp_code_ >= 0) details.field_int("icmp", icmp_code_);
  details.end_object();
  state_ = State::kDone;
  finish(outcome);
}

Outcome TcpProbe::judge(std::string_view port_state, int64_t connect_us) const {
  const CheckConfig& c = check();
  bool open = port_state == "open";
  switch (c.expect) {
    case ExpectPort::kOpen:
      if (!open) return Outcome::kCritical;
      return connect_us > static_cast<int64_t>(c.tune.latency_warn_ms) * 1000 ? Outcome::kWarning : Outcome::kOk;
    case ExpectPort::kClosed:
      return open ? Outcome::kCritical : Outcome::kOk;
    case ExpectPort::kUnreachable:
      if (open) return Outcome::kCritical;
      if (icmp_code_ >= 0) return icmp::proves_no_path(static_cast<uint8_t>(icmp_code_)) ? Outcome::kOk : Outcome::kWarning;
      // A RST: the host, or a firewall for it, answers. A local failure to send
      // (no route in the box itself) proves nothing about the other side either.
      return port_state == "refused" ? Outcome::kWarning : Outcome::kOk;
  }
  return Outcome::kUnknown;
}

void TcpProbe::DoDescribeTimeout() {
  const CheckConfig& c = check();
  ProbeResult& r = out();
  r.summary.assign(env().config->text(c.host));
  r.summary.appendf(":%u no answer in %u ms", c.port, static_cast<unsigned>(c.tune.timeout_ms));
  if (c.expect == ExpectPort::kClosed) r.summary.append(" (filtered)");
  if (c.expect == ExpectPort::kUnreachable) r.summary.append(" (isolated)");
  JsonWriter(r.details).begin_object().field("state", "timeout").end_object();
  // Filtered is as good as refused for a port that must stay closed, and silence
  // is what isolation looks like.
  if (c.expect != ExpectPort::kOpen) {
    state_ = State::kDone;
    finish(Outcome::kOk);
  }
}

void TcpProbe::DoRelease() {
  resolver_.cancel();
  net::IcmpWatch::unwatch(icmp_ticket_);
  icmp_ticket_ = -1;
  state_ = State::kDone;
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  // A graceful close leaves the pcb to lwIP for FIN_WAIT/TIME_WAIT. At the lowest
  // priority, lwIP reclaims it for a new probe when the pool runs dry, so lingering
  // closes never make a port check fail for want of a pcb.
  tcp_setprio(pcb_, TCP_PRIO_MIN);
  if (tcp_close(pcb_) != ERR_OK) {
    tcp_abort(pcb_);
    aborted_in_callback_ = true;
  }
  pcb_ = nullptr;
}

}  // namespace probebox
