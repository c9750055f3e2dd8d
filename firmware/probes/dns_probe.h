// `dns` check: one query of `name` to the configured resolver over UDP (retried
// once at half the timeout), TCP when the answer comes back truncated; the verdict
// rules of spec/checks.md on rcode, answer and expect_addresses.
#pragma once
#include "probes/probe.h"
#include "protocols/dns_message.h"

namespace probebox {

// The buffers DNS answers over TCP are read into (PROBEBOX_DNS_TCP_BUFFERS of them,
// core/limits.h says why that many): leased by a probe whose UDP answer came back
// truncated, given back at its teardown; a probe that finds none free waits for
// one until its deadline, then reports `unknown` (never a verdict on the resolver).
// A DNS message is read whole because name
// compression points back anywhere into it.
class DnsTcpBuffers {
 public:
  static constexpr int kCount = PROBEBOX_DNS_TCP_BUFFERS;
  static constexpr size_t kBytes = 4096 + 2;  // the 2-byte length, then the message

  // nullptr when all are in use.
  static uint8_t* lease();
  static void give_back(uint8_t* buffer);
  static int in_use();
};

class DnsProbe final : public Probe {
 public:
  static constexpr size_t kMaxQuery = 300;
  static constexpr size_t kMaxTcpResponse = DnsTcpBuffers::kBytes - 2;  // a bigger answer is not an appliance record

 enum class State { kIdle, kResolving, kUdp, kTcpWaitBuffer, kTcpConnecting, kTcpAnswer, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;
  bool DoFinishAtDeadline() override;
  void DoDetails(ProbeDetails& details) const override;
  static void on_bytes(net::LinkOwner& self, std::span<const uint8_t> bytes) { static_cast<DnsProbe&>(self).take_tcp(bytes); }

  void process(net::LinkEvent event) override;
  void send_udp();
  void start_tcp();
  void take_tcp(std::span<const uint8_t> bytes);
  void handle(std::span<const uint8_t> response);
  void conclude(const dns::DnsAnswer& answer);
  void fail(Outcome outcome, std::string_view why) override;

  State state_ = State::kIdle;
  net::UdpLink udp_;
  net::TcpLink tcp_;
  // The query, built again for each send from the check and id_ (the same bytes):
  // 2 bytes of TCP length prefix in front. 0: the name cannot be queried.
  size_t build_query(uint8_t (&out)[kMaxQuery + 2]) const;
  uint16_t id_ = 0;
  uint8_t* tcp_buf_ = nullptr;  // leased from DnsTcpBuffers while the answer comes over TCP
  size_t tcp_len_ = 0;
  // Why the last response was ignored (wrong id, another question): reported if no
  // good one follows, so a resolver that answers wrongly is not taken for a silent one.
  const char* ignored_ = nullptr;
  // The details: none, empty (a failure), or those of answer_ (the answer judged).
  enum class Facts : uint8_t { kNone, kEmpty, kAnswer };
  Facts facts_ = Facts::kNone;
  dns::DnsAnswer answer_;
};

}  // namespace probebox
