// `tcp` check: connect to host:port, then close (spec/checks.md). With expect
// "closed" the verdict inverts; refused and filtered are reported apart. With
// expect "unreachable" (isolation) only silence or an ICMP that says no path leads
// there is ok: a RST or a port-unreachable means something answers for the host.
#pragma once
#include "lwip/tcp.h"
#include "net/host_resolver.h"
#include "net/icmp_watch.h"
#include "probes/probe.h"

namespace probebox {

class TcpProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kConnecting, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;

  void connect();
  // The verdict for a port state ("open", "refused", "unreachable").
  void conclude(std::string_view port_state, const char* why = nullptr);
  Outcome judge(std::string_view port_state, int64_t connect_us) const;

  static void on_resolved(void* self);
  static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err);
  static void on_error(void* arg, err_t err);
  static void on_icmp(void* self, const icmp::Unreachable& message);

  State state_ = State::kIdle;
  HostResolver resolver_;
  struct tcp_pcb* pcb_ = nullptr;
  hal::MonoMicros connect_started_ = 0;
  bool aborted_in_callback_ = false;
  int icmp_ticket_ = -1;
  int icmp_code_ = -1;  // the ICMP unreachable code that ended the attempt, if one did
};

}  // namespace probebox
