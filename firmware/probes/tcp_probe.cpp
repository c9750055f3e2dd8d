#include "probes/tcp_probe.h"

#include "core/json_writer.h"

namespace probebox {

void TcpProbe::DoStart() {
  state_ = State::kResolving;
  resolve_then(env().config->text(check().host));
}

void TcpProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (state_) {
    case State::kResolving:
      if (event != E::kResolved) {
        conclude("unreachable", "cannot resolve host");
        return;
      }
      state_ = State::kConnecting;
      connect_started_ = now();
      switch (connect_to(link_, check().port)) {
        case net::TcpLink::Open::kNoPcb:
          out().summary.assign("no TCP connection free (lwIP pool exhausted)");
          out().details.assign("{\"state\":\"unreachable\"}");
          finish(Outcome::kUnknown);
          return;
        case net::TcpLink::Open::kFailed: conclude("unreachable", lwip_strerr(link_.error())); return;
        case net::TcpLink::Open::kConnecting: return;
      }
      return;
    case State::kConnecting:
      if (event == E::kConnected) {
        conclude("open");
      } else if (event == E::kFailed) {
        bool refused = link_.error() == ERR_RST;
        conclude(refused ? "refused" : "unreachable", refused ? nullptr : lwip_strerr(link_.error()));
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
  JsonWriter(r.details).begin_object().field("state", port_state).end_object();
  state_ = State::kDone;
  finish(outcome);
}

void TcpProbe::DoDescribeTimeout() {
  const CheckConfig& c = check();
  ProbeResult& r = out();
  r.summary.assign(env().config->text(c.host));
  r.summary.appendf(":%u no answer in %u ms", c.port, static_cast<unsigned>(c.tune.timeout_ms));
  if (c.expect == ExpectPort::kClosed) r.summary.append(" (filtered)");
  JsonWriter(r.details).begin_object().field("state", "timeout").end_object();
  // Filtered is as good as refused for a port that must stay closed.
  if (c.expect == ExpectPort::kClosed) {
    state_ = State::kDone;
    finish(Outcome::kOk);
  }
}

void TcpProbe::DoRelease() {
  state_ = State::kDone;
  link_.close();
}

}  // namespace probebox
