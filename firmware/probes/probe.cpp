#include "probes/probe.h"

namespace probebox {
namespace {

ProbeResult g_result;  // the one result being handed on (result())

}  // namespace

ProbeResult& shared_probe_result() { return g_result; }

const ProbeResult& Probe::result() const {
  static_cast<ResultCore&>(g_result) = result_;
  g_result.details.clear();
  DoDetails(g_result.details);
  return g_result;
}

void Probe::start(const CheckConfig& check, const ProbeEnv& env) {
  check_ = &check;
  env_ = env;
  result_.reset();
  started_at_ = env.clock->now();
  deadline_ = started_at_ + static_cast<hal::MonoMicros>(check.tune.timeout_ms) * 1000;
  active_ = true;
  finished_ = false;
  released_ = false;
  retry_armed_ = false;
  next_armed_ = false;
  DoStart();
}

Probe::Poll Probe::poll(hal::MonoMicros now) {
  if (!active_) return Poll::kReady;
  if (!finished_ && now >= deadline_ && !DoFinishAtDeadline()) {
    PhaseTimes reached = result_.phases;  // which phases were reached says where it stalled
    result_.reset();
    result_.phases = reached;
    if (DoStarvedForMemory()) {
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, net::TcpLink::send_shortage());
    } else {
      note_failure(FailReason::kTimeout);
      DoDescribeTimeout();
      finish(Outcome::kCritical);
    }
  }
  if (!finished_ && next_armed_) {
    next_armed_ = false;
    process(net::LinkEvent::kRetry);
  }
  if (!finished_ && retry_armed_ && now >= started_at_ + (deadline_ - started_at_) / 2) {
    retry_armed_ = false;
    process(net::LinkEvent::kRetry);
  }
  if (!finished_) return Poll::kPending;
  active_ = false;
  return Poll::kReady;
}

void Probe::on_resolved(void* self) {
  auto* probe = static_cast<Probe*>(self);
  if (!probe->finished_) probe->DoResolved(probe->resolver_.resolved());
}

void Probe::release() {
  released_ = true;
  resolver_.cancel();  // lwIP cannot cancel a lookup: its late answer is ignored
  DoRelease();
}

void Probe::cancel() {
  if (active_ && !released_) release();
  active_ = false;
  finished_ = true;
}

bool Probe::connect_or_fail(net::TcpLink& link, uint16_t port) {
  switch (const net::TcpLink::Open open = connect_to(link, port)) {
    case net::TcpLink::Open::kNoPcb:
    case net::TcpLink::Open::kNoMemory:
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, net::TcpLink::shortage(open));
      return false;
    case net::TcpLink::Open::kFailed:
      note_failure(FailReason::kUnreachable, link.error());
      fail(Outcome::kCritical, "no route to the host");
      return false;
    case net::TcpLink::Open::kConnecting: break;
  }
  return true;
}

bool Probe::ended_by(net::LinkEvent event, const net::TcpLink& link, std::string_view overflow_why) {
  switch (event) {
    case net::LinkEvent::kUnresolved:
      note_failure(FailReason::kResolve);
      fail(Outcome::kCritical, "cannot resolve the host");
      return true;
    case net::LinkEvent::kFailed: {
      LinkLoss loss = link_loss(link);
      note_failure(loss.reason, link.error());
      fail(Outcome::kCritical, loss.why);
      return true;
    }
    case net::LinkEvent::kOverflow:
      note_failure(FailReason::kProtocol);
      fail(Outcome::kCritical, overflow_why);
      return true;
    default: return false;
  }
}

void Probe::fail(Outcome outcome, std::string_view why) {
  out().summary.assign(why);
  finish(outcome);
}

void Probe::note_failure(FailReason reason, err_t err) {
  if (result_.reason != FailReason::kNone) return;
  result_.reason = reason;
  result_.lwip_err = static_cast<int8_t>(err);
}

void Probe::mark(Phase phase) { mark_at(phase, reply_time()); }

void Probe::mark_at(Phase phase, hal::MonoMicros when) {
  // A negative time means "not reached": a reply stamped before the start (a stale
  // frame) counts as reached at once.
  if (result_.phases.at(phase) < 0) result_.phases.mark(phase, when > started_at_ ? when - started_at_ : 0);
}

void Probe::finish(Outcome outcome) {
  if (finished_) return;
  finished_ = true;
  result_.outcome = outcome;
  if (outcome == Outcome::kOk) {
    result_.reason = FailReason::kNone;
    result_.lwip_err = 0;
  }
  result_.latency_us = until_reply(started_at_);
  if (!released_) release();
}

}  // namespace probebox
