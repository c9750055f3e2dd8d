// `tcp` check: connect to host:port, then close (spec/checks.md). With expect
// "closed" the verdict inverts; refused and filtered are reported apart. With
// expect "unreachable" (isolation) only silence or an ICMP that says no path leads
// there is ok: a RST or a port-unreachable means something answers for the host.
#pragma once
#include "probes/probe.h"

namespace probebox {

class TcpProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kConnecting, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;
  void DoDetails(ProbeDetails& details) const override;

  void process(net::LinkEvent event) override;
  // The verdict for a port state ("open", "refused", "unreachable").
  void conclude(std::string_view port_state, const char* why = nullptr);
  Outcome judge(std::string_view port_state, int64_t connect_us) const;

  State state_ = State::kIdle;
  net::TcpLink link_;
  hal::MonoMicros connect_started_ = 0;
  KeptFacts<TcpDetails> facts_;
};

}  // namespace probebox
