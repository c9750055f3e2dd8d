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
  if (!finished_) DoPoll(now);
  if (!finished_) return Poll::kPending;
  active_ = false;
  return Poll::kReady;
}

void Probe::cancel() {
  if (active_ && !released_) {
    released_ = true;
    DoRelease();
  }
  active_ = false;
  finished_ = true;
}

void Probe::note_failure(FailReason reason, err_t err) {
  if (result_.reason != FailReason::kNone) return;
  result_.reason = reason;
  result_.lwip_err = static_cast<int8_t>(err);
}

void Probe::mark(Phase phase) {
  if (result_.phases.at(phase) < 0) result_.phases.mark(phase, now() - started_at_);
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
  if (!released_) {
    released_ = true;
    DoRelease();
  }
}

}  // namespace probebox
