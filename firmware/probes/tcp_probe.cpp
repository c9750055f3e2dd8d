#include "probes/tcp_probe.h"


namespace probebox {

void TcpProbe::DoStart() {
  state_ = State::kResolving;
  pcb_ = nullptr;
  aborted_in_callback_ = false;
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: connect(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); conclude("unreachable", "cannot resolve host"); break;
  }
}

void TcpProbe::on_resolved(void* self) {
  auto* probe = static_cast<TcpProbe*>(self);
  if (probe->state_ != State::kResolving) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->connect();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->conclude("unreachable", "cannot resolve host");
  }
}

void TcpProbe::connect() {
  mark(Phase::kResolve);
  state_ = State::kConnecting;
  pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb_ == nullptr) {
    out().summary.assign("no TCP connection free (lwIP pool exhausted)");
    out().details.set_tcp().state = PortState::kUnreachable;
    note_failure(FailReason::kNoResources);
    finish(Outcome::kUnknown);
    return;
  }
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  connect_started_ = now();
  err_t err = tcp_connect(pcb_, &resolver_.address(), check().port, on_connected);
  if (err != ERR_OK) {
    note_failure(FailReason::kUnreachable, err);
    conclude("unreachable", lwip_strerr(err));
  }
}

err_t TcpProbe::on_connected(void* arg, struct tcp_pcb*, err_t err) {
  auto* probe = static_cast<TcpProbe*>(arg);
  if (probe == nullptr || probe->state_ != State::kConnecting) return ERR_OK;
  if (err == ERR_OK) probe->mark(Phase::kConnect);
  else probe->note_failure(FailReason::kUnreachable, err);
  probe->conclude(err == ERR_OK ? "open" : "unreachable");
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void TcpProbe::on_error(void* arg, err_t err) {
  // lwIP has already freed the pcb: forget it, never touch it.
  auto* probe = static_cast<TcpProbe*>(arg);
  if (probe == nullptr) return;
  probe->pcb_ = nullptr;
  if (probe->state_ != State::kConnecting) return;
  probe->note_failure(err == ERR_RST ? FailReason::kRefused : FailReason::kUnreachable, err);
  probe->conclude(err == ERR_RST ? "refused" : "unreachable", err == ERR_RST ? nullptr : lwip_strerr(err));
}

void TcpProbe::conclude(std::string_view port_state, const char* why) {
  const CheckConfig& c = check();
  std::string_view host = env().config->text(c.host);
  int64_t connect_us = now() - connect_started_;
  bool open = port_state == "open";
  Outcome outcome;
  ProbeResult& r = out();
  if (c.expect == ExpectPort::kOpen) {
    outcome = open ? Outcome::kOk : Outcome::kCritical;
    if (open && connect_us > static_cast<int64_t>(c.tune.latency_warn_ms) * 1000) outcome = Outcome::kWarning;
  } else {
    outcome = open ? Outcome::kCritical : Outcome::kOk;
  }
  r.summary.assign(host);
  r.summary.appendf(":%u ", c.port);
  if (open) {
    r.summary.append(c.expect == ExpectPort::kClosed ? "open, expected closed" : "open in ");
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
  }
  PortState typed = open ? PortState::kOpen : port_state == "refused" ? PortState::kRefused : PortState::kUnreachable;
  r.details.set_tcp().state = typed;
  if (open) note_failure(outcome == Outcome::kWarning ? FailReason::kSlow : FailReason::kExpectation);
  else note_failure(typed == PortState::kRefused ? FailReason::kRefused : FailReason::kUnreachable);
  state_ = State::kDone;
  finish(outcome);
}

void TcpProbe::DoDescribeTimeout() {
  const CheckConfig& c = check();
  ProbeResult& r = out();
  r.summary.assign(env().config->text(c.host));
  r.summary.appendf(":%u no answer in %u ms", c.port, static_cast<unsigned>(c.tune.timeout_ms));
  if (c.expect == ExpectPort::kClosed) r.summary.append(" (filtered)");
  r.details.set_tcp().state = PortState::kTimeout;
  // Filtered is as good as refused for a port that must stay closed.
  if (c.expect == ExpectPort::kClosed) {
    state_ = State::kDone;
    finish(Outcome::kOk);
  }
}

void TcpProbe::DoRelease() {
  resolver_.cancel();
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
