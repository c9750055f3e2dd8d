// `ntp` check: one SNTP request (one retry at half the timeout: UDP may lose it),
// offset and round trip from the four timestamps, stratum and kiss-o'-death judged
// as spec/checks.md says. A box whose own wall clock is unset sets it from the
// first good reply, so certificate dates can be judged afterwards.
#pragma once
#include <array>

#include "probes/probe.h"
#include "protocols/sntp_packet.h"

namespace probebox {

class NtpProbe final : public Probe {
 public:
  enum class State { kIdle, kResolving, kWaiting, kDone };

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;
  void DoDetails(ProbeDetails& details) const override { if (facts_.is_set()) details.set_ntp() = facts_.get(); }

  void process(net::LinkEvent event) override;
  void send_request();
  void on_reply();
  void fail(Outcome outcome, std::string_view why) override;

  State state_ = State::kIdle;
  net::UdpLink link_;
  sntp::NtpTimestamp sent_{};
  int64_t t1_us_ = 0;       // wall clock at send
  int64_t t1_mono_us_ = 0;  // monotonic at send: the round trip never depends on the wall clock
  // Every request sent (the first and the retry) with its send times: a slow server's
  // answer to the first one is still a valid answer after the retry went out.
  std::array<sntp::NtpTimestamp, 2> sent_all_{};
  std::array<int64_t, 2> t1_all_us_{};
  std::array<int64_t, 2> t1_all_mono_us_{};
  size_t sent_count_ = 0;
  const char* ignored_ = nullptr;  // why the last packet was not taken as the answer
  KeptFacts<NtpDetails> facts_;
};

}  // namespace probebox
