// `tls_cert` check: a TLS handshake with SNI; the chain the server actually sent is
// judged as spec/checks.md says. The probe stops as soon as the server has proved it
// holds the certificate's key: in TLS 1.2 once its signed ServerKeyExchange is
// verified, never computing its own key share, the costly half of a handshake; in
// TLS 1.3 (only for servers that refuse 1.2) once its CertificateVerify is checked.
#pragma once
#include "lwip/tcp.h"
#include "net/host_resolver.h"
#include "probes/probe.h"

namespace probebox {

class TlsCertProbe final : public Probe {
 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void connect();
  bool retry_with_tls13();
  void drive();
  void judge();
  void fail(Outcome outcome, std::string_view why, bool add_tls_reason = false);
  void fail_chain_too_big();

  static void on_resolved(void* self);
  static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_error(void* arg, err_t err);

  HostResolver resolver_;
  struct tcp_pcb* pcb_ = nullptr;
  net::TlsClientSession tls_;
  // TLS 1.2 first (cheaper, and what most servers speak); 1.3 on a second
  // connection when the server refuses 1.2.
  net::TlsVersion version_ = net::TlsVersion::k12;
  bool aborted_in_callback_ = false;
};

}  // namespace probebox
