// `smtp` check: the relay's dialogue (probes/smtp_session.h: banner, EHLO, STARTTLS
// when offered or required, EHLO again, the AUTH mechanisms, AUTH PLAIN when a
// username is set, QUIT) and its verdict as spec/checks.md says. The mail alerts run
// the same SmtpSession to deliver their messages.
#pragma once
#include "probes/probe.h"
#include "probes/smtp_session.h"

namespace probebox {

class SmtpProbe final : public Probe {
 public:
  // The dialogues' pool: one SmtpSession per TLS probe the scheduler lets run at once
  // (PROBEBOX_MAX_TLS_IN_FLIGHT; every smtp check counts as TLS, TlsUse::kAlways),
  // leased at start, given back (closed, its TLS session returned) by the destructor.
  // The mail alerts keep their own session, outside this pool.
  static constexpr int kSessionPool = PROBEBOX_MAX_TLS_IN_FLIGHT;
  static int sessions_in_use();

  SmtpProbe() = default;
  SmtpProbe(const SmtpProbe&) = delete;
  SmtpProbe& operator=(const SmtpProbe&) = delete;
  ~SmtpProbe();

 private:
  void DoStart() override;
  void DoResolved(bool resolved) override;
  void DoRelease() override {
    if (session_ != nullptr) session_->close();
  }
  void DoDescribeTimeout() override;
  bool DoStarvedForMemory() const override;
  // From the session's facts, which outlive its close.
  void DoDetails(ProbeDetails& details) const override;
  static void on_done(void* self) { static_cast<SmtpProbe*>(self)->report(); }

  // The session's verdict, its failure reason, server code and phases into the result.
  void report();
  void take_phases();

  SmtpSession* session_ = nullptr;  // leased from the pool at the first start
  // The details: none, the dialogue's as far as it got (a timeout), or all of them.
  enum class Facts : uint8_t { kNone, kTimedOut, kReported };
  Facts facts_ = Facts::kNone;
};

}  // namespace probebox
