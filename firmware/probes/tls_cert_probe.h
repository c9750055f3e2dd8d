// `tls_cert` check: a TLS handshake with SNI; the chain the server actually sent is
// judged as spec/checks.md says. The probe stops as soon as the server has proved it
// holds the certificate's key: in TLS 1.2 once its signed ServerKeyExchange is
// verified, never computing its own key share, the costly half of a handshake; in
// TLS 1.3 (only for servers that refuse 1.2) once its CertificateVerify is checked.
//
// Every kLegacyTlsEveryCycles-th cycle of a check (its first one included), after the
// certificate is judged, the legacy-protocol floor: a second connection carries a
// hand-built ClientHello offering only TLS 1.1, then one offering only 1.0
// (protocols/tls_legacy_hello), and the first record of each answer says whether the
// server still accepts that version — no crypto. What it found is carried to the
// cycles in between (CheckMemory), so `legacy_tls` and its warning hold steady.
#pragma once
#include <cstdint>

#include "probes/probe.h"
#include "probes/verdicts.h"

namespace probebox {

class TlsCertProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kConnecting, kHandshake, kLegacyConnecting, kLegacyHello, kDone };
  // How often the legacy-protocol floor runs: one cycle in this many (at the default
  // 30 s interval, every 5 minutes), the first cycle of a check (and --once) included.
  static constexpr uint8_t kLegacyTlsEveryCycles = 10;
  // The probes' details pool: one ProbeDetails per TLS probe the scheduler lets run
  // at once (PROBEBOX_MAX_TLS_IN_FLIGHT), leased at start, given back by the destructor.
  static constexpr int kDetailsPool = PROBEBOX_MAX_TLS_IN_FLIGHT;
  static int details_in_use();

  TlsCertProbe() = default;
  TlsCertProbe(const TlsCertProbe&) = delete;
  TlsCertProbe& operator=(const TlsCertProbe&) = delete;
  ~TlsCertProbe();

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;
  bool DoStarvedForMemory() const override { return link_.starved_for_memory(); }
  void DoDetails(ProbeDetails& details) const override;
  bool DoFinishAtDeadline() override;

  void process(net::LinkEvent event) override;
  void connect();
  bool retry_with_tls13();
  void drive();
  void judge();
  void fail(Outcome outcome, std::string_view why) override;
  // fail(), with mbedTLS's account of what went wrong appended to `why`.
  void fail_without_session();
  void fail_chain_too_big();
  void describe_handshake_failure(TextBuffer& out);

  // The legacy-protocol floor, after judge().
  void legacy_or_finish();
  void legacy_offer(uint16_t version);
  void legacy_event(net::LinkEvent event);
  static void legacy_read(net::LinkOwner& owner, std::span<const uint8_t> bytes);
  void legacy_answered(bool closed);
  void legacy_done(bool complete);
  void finish_verdict();

  State state_ = State::kIdle;
  net::TcpLink link_;
  // TLS 1.2 first (cheaper, and what most servers speak); 1.3 on a second
  // connection when the server refuses 1.2.
  net::TlsVersion version_ = net::TlsVersion::k12;
  // How the server refused TLS 1.2, when 1.3 was tried next, and then 1.3
  // (TlsClientSession::refusal(); -1: not refused, or 1.2 answered with an older version).
  int refused_12_ = -1;
  int refused_13_ = -1;

  // The certificate's verdict, kept while the legacy look runs.
  Verdict verdict_{};
  TlsCertDetails* details_ = nullptr;  // in kept_
  // The details while the probe runs: a chain's strings need 768 bytes that the
  // slots of the other kinds need not carry, so they come from the pool above (the
  // scheduler runs at most PROBEBOX_MAX_TLS_IN_FLIGHT TLS probes: never exhausted
  // through it; a probe that finds none free is unknown and says so).
  ProbeDetails* kept_ = nullptr;
  uint16_t legacy_offered_ = 0;
  uint8_t legacy_found_ = 0;  // kLegacyTls10/11 bits
  uint8_t legacy_len_ = 0;
  uint8_t legacy_answer_[16] = {};
  bool handshake_refused_ = false;  // 1.2 and 1.3 both refused: the legacy look explains it
  bool legacy_looked_ = false;      // the legacy look asked about both versions  // the start of the answer: enough to read a ServerHello's version
};

}  // namespace probebox
