// `tls_cert` check: a TLS handshake with SNI; the chain the server actually sent is
// judged as spec/checks.md says. The probe stops as soon as the server has proved it
// holds the certificate's key (its signed ServerKeyExchange verified) and never
// computes its own key share, the costly half of a handshake.
#pragma once
#include "probes/probe.h"

namespace probebox {

class TlsCertProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kConnecting, kHandshake, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void process(net::LinkEvent event) override;
  void connect();
  void drive();
  void judge();
  void fail(Outcome outcome, std::string_view why, bool add_tls_reason = false);

  State state_ = State::kIdle;
  net::TcpLink link_;
};

}  // namespace probebox
