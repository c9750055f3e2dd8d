// `dns` check: one query of `name` to the configured resolver over UDP (retried
// once at half the timeout), TCP when the answer comes back truncated; the verdict
// rules of spec/checks.md on rcode, answer and expect_addresses.
#pragma once
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/host_resolver.h"
#include "probes/probe.h"
#include "protocols/dns_message.h"

namespace probebox {

class DnsProbe final : public Probe {
 public:
  static constexpr size_t kMaxQuery = 300;
  static constexpr size_t kMaxTcpResponse = 4096;  // a bigger answer is not an appliance record

 private:
  void DoStart() override;
  void DoPoll(hal::MonoMicros now) override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void send_udp();
  void start_tcp();
  void handle(std::span<const uint8_t> response);
  void conclude(const dns::DnsAnswer& answer);
  void fail(Outcome outcome, std::string_view why);
  void release_tcp();

  static void on_resolved(void* self);
  static void on_udp(void* arg, struct udp_pcb* pcb, struct pbuf* p, const ip_addr_t* addr, u16_t port);
  static err_t on_tcp_connected(void* arg, struct tcp_pcb* pcb, err_t err);
  static err_t on_tcp_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
  static void on_tcp_error(void* arg, err_t err);

  HostResolver resolver_;
  struct udp_pcb* udp_ = nullptr;
  struct tcp_pcb* tcp_ = nullptr;
  uint8_t query_[kMaxQuery + 2];  // 2 bytes of TCP length prefix in front
  size_t query_len_ = 0;
  uint16_t id_ = 0;
  uint8_t tcp_buf_[kMaxTcpResponse + 2];
  size_t tcp_len_ = 0;
  hal::MonoMicros retry_at_ = 0;
  bool retried_ = false;
  bool over_tcp_ = false;
  bool aborted_in_callback_ = false;
  // Why the last response was ignored (wrong id, another question): reported if no
  // good one follows, so a resolver that answers wrongly is not taken for a silent one.
  const char* ignored_ = nullptr;
};

}  // namespace probebox
