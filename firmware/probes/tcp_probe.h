// `tcp` check: connect to host:port, then close (spec/checks.md). With expect
// "closed" the verdict inverts; refused and filtered are reported apart.
#pragma once
#include "probes/probe.h"

namespace probebox {

class TcpProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kConnecting, kDone };

 private:
  void DoStart() override;
  void DoResolved(bool resolved) override { process(resolved ? net::LinkEvent::kResolved : net::LinkEvent::kUnresolved); }
  void DoRelease() override;
  void DoDescribeTimeout() override;
  static void on_link(void* self, net::LinkEvent event) { static_cast<TcpProbe*>(self)->process(event); }

  void process(net::LinkEvent event);
  // The verdict for a port state ("open", "refused", "unreachable").
  void conclude(std::string_view port_state, const char* why = nullptr);

  State state_ = State::kIdle;
  net::TcpLink link_;
  hal::MonoMicros connect_started_ = 0;
};

}  // namespace probebox
