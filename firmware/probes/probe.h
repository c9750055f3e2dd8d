// The shape every probe has: start, poll with the current time, cancel. A probe is
// a non-blocking state machine on lwIP callbacks with an absolute deadline; its one
// teardown path releases the connection and reports exactly once.
#pragma once
#include "config/config_model.h"
#include "core/probe_result.h"
#include "hal/clock.h"
#include "net/tls_client.h"

namespace probebox {

// What a probe may read besides its own check: the clock and the whole config
// (trust anchors, resolvers).
struct ProbeEnv {
  hal::Clock* clock = nullptr;
  const Config* config = nullptr;
  net::TlsClientConfig* tls = nullptr;  // shared RNG and trust anchors
};

class Probe {
 public:
  enum class Poll { kPending, kReady };

  // Begins the probe; it may finish at once (e.g. a config it cannot run).
  void start(const CheckConfig& check, const ProbeEnv& env);
  // Advances timers and enforces the deadline; kReady once result() is final.
  Poll poll(hal::MonoMicros now);
  // Tears the probe down without a result (config change, shutdown).
  void cancel();
  const ProbeResult& result() const { return result_; }
  bool active() const { return active_; }

 protected:
  ~Probe() = default;

  // The single reporting path for subclasses: records the outcome once, stamps the
  // latency and releases the connection through DoRelease().
  void finish(Outcome outcome);
  ProbeResult& out() { return result_; }
  const CheckConfig& check() const { return *check_; }
  const ProbeEnv& env() const { return env_; }
  hal::MonoMicros started_at() const { return started_at_; }
  hal::MonoMicros now() const { return env_.clock->now(); }
  bool finished() const { return finished_; }
  // Records why the result will not be OK (the first reason given wins) and the
  // lwIP error behind it; an OK result clears it.
  void note_failure(FailReason reason, err_t err = ERR_OK);
  // Records that a phase was reached now (the first time only).
  void mark(Phase phase);

 private:
  virtual void DoStart() = 0;
  // Periodic work (retransmissions); most probes need none.
  virtual void DoPoll(hal::MonoMicros now) { (void)now; }
  // Detach every callback and free every pcb and buffer. Called exactly once.
  virtual void DoRelease() = 0;
  // Fill summary and details for a probe that ran out of time.
  virtual void DoDescribeTimeout() = 0;

  const CheckConfig* check_ = nullptr;
  ProbeEnv env_{};
  ProbeResult result_{};
  hal::MonoMicros started_at_ = 0;
  hal::MonoMicros deadline_ = 0;
  bool active_ = false;
  bool finished_ = false;
  bool released_ = false;
};

}  // namespace probebox
