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
  SmtpProbe() = default;
  SmtpProbe(const SmtpProbe&) = delete;
  SmtpProbe& operator=(const SmtpProbe&) = delete;
  ~SmtpProbe() { session_.give_back_tls(); }  // its STARTTLS session (net::TlsSessions)

 private:
  void DoStart() override;
  void DoResolved(bool resolved) override;
  void DoRelease() override { session_.close(); }
  void DoDescribeTimeout() override;
  // From the session's facts, which outlive its close.
  void DoDetails(ProbeDetails& details) const override;
  static void on_done(void* self) { static_cast<SmtpProbe*>(self)->report(); }

  // The session's verdict, its failure reason, server code and phases into the result.
  void report();
  void take_phases();

  SmtpSession session_;
  // The details: none, the dialogue's as far as it got (a timeout), or all of them.
  enum class Facts : uint8_t { kNone, kTimedOut, kReported };
  Facts facts_ = Facts::kNone;
};

}  // namespace probebox
