#include "probes/tcp_probe.h"

#include "net/lwip_error.h"

namespace probebox {

void TcpProbe::DoStart() {
  state_ = State::kResolving;
  facts_.clear();
  resolve_then(env().config->text(check().host));
}

void TcpProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (state_) {
    case State::kResolving:
      if (event != E::kResolved) {
        note_failure(FailReason::kResolve);
        conclude("unreachable", "cannot resolve host");
        return;
      }
      mark(Phase::kResolve);
      state_ = State::kConnecting;
      connect_started_ = now();
      switch (const net::TcpLink::Open open = connect_to(link_, check().port)) {
        case net::TcpLink::Open::kNoPcb:
        case net::TcpLink::Open::kNoMemory:
          out().summary.assign(net::TcpLink::shortage(open));
          facts_.set().state = PortState::kUnreachable;
          note_failure(FailReason::kNoResources);
          finish(Outcome::kUnknown);
          return;
        case net::TcpLink::Open::kFailed:
          note_failure(FailReason::kUnreachable, link_.error());
          conclude("unreachable", net::lwip_error_name(link_.error()));
          return;
        case net::TcpLink::Open::kConnecting: return;
      }
      return;
    case State::kConnecting:
      if (event == E::kConnected) {
        mark(Phase::kConnect);
        conclude("open");
      } else if (event == E::kFailed) {
        bool refused = link_.error() == ERR_RST;
        const char* why = link_.icmp_code() >= 0 ? icmp::code_name(static_cast<uint8_t>(link_.icmp_code()))
                          : refused             ? nullptr
                                                : net::lwip_error_name(link_.error());
        note_failure(refused ? FailReason::kRefused : FailReason::kUnreachable, link_.error());
        conclude(refused ? "refused" : "unreachable", why);
      }
      return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void TcpProbe::conclude(std::string_view port_state, const char* why) {
  const CheckConfig& c = check();
  std::string_view host = env().config->text(c.host);
  int64_t connect_us = until_reply(connect_started_);
  bool open = port_state == "open";
  Outcome outcome = judge(port_state, connect_us);
  ResultCore& r = out();
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
  TcpDetails& d = facts_.set();
  d.state = open ? PortState::kOpen : port_state == "refused" ? PortState::kRefused : PortState::kUnreachable;
  d.has_icmp = link_.icmp_code() >= 0;
  d.icmp_code = d.has_icmp ? static_cast<uint8_t>(link_.icmp_code()) : 0;
  // An OK result clears the reason; else what broke the expectation, or what happened.
  if (c.expect != ExpectPort::kOpen) note_failure(FailReason::kExpectation);
  else if (open) note_failure(FailReason::kSlow);
  else note_failure(d.state == PortState::kRefused ? FailReason::kRefused : FailReason::kUnreachable);
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
      if (link_.icmp_code() >= 0) {
        return icmp::proves_no_path(static_cast<uint8_t>(link_.icmp_code())) ? Outcome::kOk : Outcome::kWarning;
      }
      // A RST: the host, or a firewall for it, answers. A local failure to send
      // (no route in the box itself) proves nothing about the other side either.
      return port_state == "refused" ? Outcome::kWarning : Outcome::kOk;
  }
  return Outcome::kUnknown;
}

void TcpProbe::DoDescribeTimeout() {
  const CheckConfig& c = check();
  ResultCore& r = out();
  r.summary.assign(env().config->text(c.host));
  r.summary.appendf(":%u no answer in %u ms", c.port, static_cast<unsigned>(c.tune.timeout_ms));
  if (c.expect == ExpectPort::kClosed) r.summary.append(" (filtered)");
  if (c.expect == ExpectPort::kUnreachable) r.summary.append(" (isolated)");
  facts_.set().state = PortState::kTimeout;
  // Filtered is as good as refused for a port that must stay closed, and silence
  // is what isolation looks like.
  if (c.expect != ExpectPort::kOpen) {
    state_ = State::kDone;
    finish(Outcome::kOk);
  }
}

void TcpProbe::DoDetails(ProbeDetails& details) const {
  if (facts_.is_set()) details.set_tcp() = facts_.get();
}

void TcpProbe::DoRelease() {
  state_ = State::kDone;
  link_.close(net::TcpLink::Ending::kReset);
}

}  // namespace probebox
