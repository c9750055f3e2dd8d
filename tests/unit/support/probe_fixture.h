// A probe test on the lwIP fixture: loads a config from JSON and runs one probe of a
// check to completion on the simulated clock, bounded in fake time.
#pragma once
#include <memory>
#include <string>

#include "config/config_parser.h"
#include "lwip_fixture.h"
#include "probes/probe.h"

namespace probebox::test {

class ProbeFixture : public LwipFixture {
 protected:
  void load(const std::string& checks_json) {
    ConfigErrors errors;
    std::string doc = R"({"schema":1,"defaults":{"timeout_ms":1000,"latency_warn_ms":500},"checks":)" +
                      checks_json + "}";
    ASSERT_TRUE(parse_config(doc, *config_, errors).ok()) << errors.at(0).path.c_str();
  }
  // Runs `probe` on check 0 until it reports (at most 5 s of fake time), then lets the
  // teardown's frames go through so the pool counts are final.
  template <typename P>
  ProbeResult run(P& probe, net::TlsClientConfig* tls = nullptr, net::ResumptionStore* sessions = nullptr) {
    probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get(), tls, nullptr, sessions});
    for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    EXPECT_FALSE(probe.active());
    ProbeResult r = probe.result();
    run_for_ms(20);
    return r;
  }
  template <typename P>
  ProbeResult run_one(net::TlsClientConfig* tls = nullptr, net::ResumptionStore* sessions = nullptr) {
    P probe;
    return run(probe, tls, sessions);
  }

  std::unique_ptr<Config> config_ = std::make_unique<Config>();
};

}  // namespace probebox::test
