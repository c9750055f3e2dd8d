// The shape every probe has: start, poll with the current time, cancel. A probe is
// a non-blocking state machine on lwIP callbacks with an absolute deadline; its one
// teardown path releases the connection and reports exactly once.
#pragma once
#include "config/config_model.h"
#include "core/probe_result.h"
#include "hal/clock.h"
#include "net/frame_arrival.h"
#include "net/host_resolver.h"
#include "net/resumption_store.h"
#include "net/tcp_link.h"
#include "net/tls_client.h"
#include "probes/link_loss.h"

namespace probebox {

// What a check carries from one cycle to the next: kept per check by the scheduler
// (two bytes; reset when the config is loaded), read and written by its probe.
struct CheckMemory {
  // tls_cert's legacy-protocol floor (a ClientHello offering TLS 1.0/1.1): cycles
  // until it runs again (0: this cycle — so the first cycle of a check runs it), and
  // what the latest one found (kLegacyTls10/11 bits; kLegacyTlsUnknown: none ran yet).
  uint8_t legacy_due_in = 0;
  uint8_t legacy_tls = kLegacyTlsUnknown;
  // Set by the scheduler at load: another check may send its request on this check's
  // connection after it (probes/link_reuse.h), so an http probe whose answer leaves
  // the connection fit for another request keeps it open instead of resetting it.
  bool passes_link = false;
};

// What a probe may read besides its own check: the clock and the whole config
// (trust anchors, resolvers), and the check's memory across cycles (nullptr: none,
// e.g. a probe run alone in a test: every cycle is a first one that remembers nothing).
struct ProbeEnv {
  hal::Clock* clock = nullptr;
  const Config* config = nullptr;
  net::TlsClientConfig* tls = nullptr;  // shared RNG and trust anchors
  CheckMemory* memory = nullptr;
  net::ResumptionStore* sessions = nullptr;  // TLS sessions to resume (null: none)
};

// A kind's facts (its details struct without the strings), kept by its probe while
// it runs, written into the result's details by DoDetails().
template <typename T>
class KeptFacts {
 public:
  // As ProbeDetails::set_*(): the facts start all zero (false, 0, null, empty).
  T& set() {
    facts_ = T{};
    set_ = true;
    return facts_;
  }
  void clear() { set_ = false; }
  bool is_set() const { return set_; }
  const T& get() const { return facts_; }
  T& get() { return facts_; }

 private:
  T facts_{};
  bool set_ = false;
};

// The one result every probe's result() writes into; the scheduler writes a check
// that cannot run there too. Valid until the next writer.
ProbeResult& shared_probe_result();

class Probe : public net::LinkOwner {
 public:
  enum class Poll { kPending, kReady };

  // Begins the probe; it may finish at once (e.g. a config it cannot run).
  void start(const CheckConfig& check, const ProbeEnv& env);
  // Advances timers and enforces the deadline; kReady once result() is final.
  Poll poll(hal::MonoMicros now);
  // Tears the probe down without a result (config change, shutdown).
  void cancel();
  // The result, once poll() said kReady: written then from what the probe kept (its
  // outcome, summary, phases and numbers, and its kind's few typed facts) into one
  // scratch that every probe shares — the single-threaded main loop hands it on at
  // once. Valid until the next result() of any probe.
  const ProbeResult& result() const;
  bool active() const { return active_; }
  // Finished, and holding its connection open for `next`, a check that may send its
  // request on it (probes/link_reuse.h): the scheduler then start()s `next` on this
  // very probe instead of a new one. False for every kind but http.
  bool keeps_link_for(const CheckConfig& next) const { return !active_ && finished_ && DoKeepsLinkFor(next); }

 protected:
  ~Probe() = default;

  // The single reporting path for subclasses: records the outcome once, stamps the
  // latency and releases the connection through DoRelease().
  void finish(Outcome outcome);
  // finish(), with the reason a result that is not OK has (when none was noted before).
  void finish(Outcome outcome, FailReason reason) {
    note_failure(reason);
    finish(outcome);
  }
  ResultCore& out() { return result_; }
  const CheckConfig& check() const { return *check_; }
  const ProbeEnv& env() const { return env_; }
  hal::MonoMicros started_at() const { return started_at_; }
  hal::MonoMicros now() const { return env_.clock->now(); }
  // When the reply being handled came (net/frame_arrival.h): its frame's arrival in
  // an lwIP callback, else now(). What a latency or a phase ends at.
  hal::MonoMicros reply_time() const { return net::reply_time(now()); }
  // From `from` to reply_time(), never negative (a stale frame's stamp may precede it).
  hal::MonoMicros until_reply(hal::MonoMicros from) const {
    const hal::MonoMicros answered = reply_time();
    return answered > from ? answered - from : 0;
  }
  bool finished() const { return finished_; }
  // Records why the result will not be OK (the first reason given wins) and the
  // lwIP error behind it; an OK result clears it.
  void note_failure(FailReason reason, err_t err = ERR_OK);
  // Records that a phase was reached (the first time only), at reply_time(): every
  // phase ends when the server's answer to it came.
  void mark(Phase phase);
  // The same, for a phase reached at `when` (a helper's monotonic time).
  void mark_at(Phase phase, hal::MonoMicros when);
  // Resolves `host`, then DoResolved(): at once for a literal or a cached name,
  // else from lwIP's DNS callback, never after the probe finished.
  void resolve_then(std::string_view host) { resolver_.resolve_then(host, this, on_resolved); }
  const ip_addr_t& address() const { return resolver_.address(); }
  // A connection or a socket to address():port whose events all go to process().
  net::TcpLink::Open connect_to(net::TcpLink& link, uint16_t port) { return link.connect(address(), port, *this); }
  net::UdpLink::Send send_to(net::UdpLink& link, uint16_t port, std::span<const uint8_t> bytes) {
    return link.send_to(address(), port, bytes, *this);
  }
  // connect_to(), failing the probe when no pcb is free or there is no route; true
  // while the connection is being made.
  bool connect_or_fail(net::TcpLink& link, uint16_t port);
  // The link events that end a TCP probe the same way in any state: no address, a
  // refused or broken connection, more than the probe reads (`overflow_why`). True
  // when `event` was one of them: the probe has then failed through fail().
  bool ended_by(net::LinkEvent event, const net::TcpLink& link, std::string_view overflow_why);
  // Ends the probe with `why` as its summary; a kind overrides it to add its own
  // facts and prefix.
  virtual void fail(Outcome outcome, std::string_view why);

  // The probe's state machine (after lwIP's apps/smtp/smtp.c: a switch on its own
  // `enum class State`): every lwIP callback, through the links, ends here, and so
  // do the resolver (kResolved/kUnresolved) and, once armed, half the timeout (kRetry).
  void process(net::LinkEvent event) override { (void)event; }
  // One kRetry at half the timeout (or at the next poll, if that has passed): UDP may lose a datagram.
  void arm_retry() { retry_armed_ = true; }
  // One kRetry at the next poll, outside any lwIP callback: a probe that makes several
  // requests opens the next connection from there, never from inside the last one's.
  void arm_next() { next_armed_ = true; }

 private:
  static void on_resolved(void* self);
  void release();

  virtual void DoStart() = 0;
  // The host of resolve_then() has an address (address()), or has none.
  virtual void DoResolved(bool resolved) { process(resolved ? net::LinkEvent::kResolved : net::LinkEvent::kUnresolved); }
  // Detach every callback and free every pcb and buffer. Called exactly once.
  virtual void DoRelease() = 0;
  // Fill the summary (and the facts) of a probe that ran out of time.
  virtual void DoDescribeTimeout() = 0;
  // Writes the kind's details from the facts the probe kept; called by result(),
  // after the teardown (the probe's members are still there, its connection is not).
  virtual void DoDetails(ProbeDetails& details) const = 0;
  // The deadline passed: true when the probe has a verdict of its own to give and
  // gave it (finish()), e.g. tls_cert judged its certificate and only its extra
  // legacy-protocol look was still running; false for the generic timeout.
  virtual bool DoFinishAtDeadline() { return false; }
  // The deadline passed with bytes the box had no lwIP memory to send
  // (net::TcpLink::starved_for_memory()): the silence is the box's shortage, an
  // unknown result, not the server's timeout.
  virtual bool DoStarvedForMemory() const { return false; }
  virtual bool DoKeepsLinkFor(const CheckConfig& next) const {
    (void)next;
    return false;
  }

  HostResolver resolver_;
  const CheckConfig* check_ = nullptr;
  ProbeEnv env_{};
  ResultCore result_{};  // all of the result but its details
  hal::MonoMicros started_at_ = 0;
  hal::MonoMicros deadline_ = 0;
  bool active_ = false;
  bool finished_ = false;
  bool released_ = false;
  bool retry_armed_ = false;
  bool next_armed_ = false;
};

}  // namespace probebox
