#include "probes/probe.h"

namespace probebox {

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
  if (!finished_ && now >= deadline_) {
    PhaseTimes reached = result_.phases;  // which phases were reached says where it stalled
    result_.reset();
    result_.phases = reached;
    note_failure(FailReason::kTimeout);
    DoDescribeTimeout();
    finish(Outcome::kCritical);
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

void Probe::note_failure(FailReason reason, err_t err) {
  if (result_.reason != FailReason::kNone) return;
  result_.reason = reason;
  result_.lwip_err = static_cast<int8_t>(err);
}

void Probe::mark(Phase phase) { mark_at(phase, now()); }

void Probe::mark_at(Phase phase, hal::MonoMicros when) {
  if (result_.phases.at(phase) < 0) result_.phases.mark(phase, when - started_at_);
}

void Probe::finish(Outcome outcome) {
  if (finished_) return;
  finished_ = true;
  result_.outcome = outcome;
  if (outcome == Outcome::kOk) {
    result_.reason = FailReason::kNone;
    result_.lwip_err = 0;
  }
  result_.latency_us = env_.clock->now() - started_at_;
  if (!released_) release();
}

}  // namespace probebox
