// `tls_cert` check: a TLS handshake with SNI; the chain the server actually sent is
// judged as spec/checks.md says. The probe stops as soon as the server has proved it
// holds the certificate's key: in TLS 1.2 once its signed ServerKeyExchange is
// verified, never computing its own key share, the costly half of a handshake; in
// TLS 1.3 (only for servers that refuse 1.2) once its CertificateVerify is checked.
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
  bool retry_with_tls13();
  void drive();
  void judge();
  void fail(Outcome outcome, std::string_view why) override;
  // fail(), with mbedTLS's account of what went wrong appended to `why`.
  void fail_with_tls_error(Outcome outcome, std::string_view why);
  void fail_chain_too_big();

  State state_ = State::kIdle;
  net::TcpLink link_;
  // TLS 1.2 first (cheaper, and what most servers speak); 1.3 on a second
  // connection when the server refuses 1.2.
  net::TlsVersion version_ = net::TlsVersion::k12;
};

}  // namespace probebox
