// The dns probe on the real lwIP core against a scripted UDP resolver (no network).
#include "probes/dns_probe.h"

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config_parser.h"
#include "lwip_fixture.h"
#include "details_json.h"

namespace probebox::test {
namespace {

using Datagram = FakePeer::UdpDatagram;
using Ipv4 = std::array<uint8_t, 4>;

constexpr uint32_t kOtherIp = 0x0A000209;  // 10.0.2.9: on the link, but not the resolver

// A response to the query `q`: same id and question, QR/RD/RA, `rcode`, one A record
// per address (TTL 300), TC if `truncated`.
std::vector<uint8_t> response(const std::vector<uint8_t>& q, uint8_t rcode, const std::vector<Ipv4>& addresses,
                              bool truncated = false) {
  std::vector<uint8_t> r = q;
  r[2] = static_cast<uint8_t>(0x81 | (truncated ? 0x02 : 0));
  r[3] = static_cast<uint8_t>(0x80 | rcode);
  r[6] = 0;
  r[7] = static_cast<uint8_t>(addresses.size());
  for (const Ipv4& a : addresses) {
    const uint8_t rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, a[0], a[1], a[2], a[3]};
    r.insert(r.end(), rr, rr + sizeof(rr));
  }
  return r;
}

class DnsProbeTest : public LwipFixture {
 protected:
  void load(const std::string& check_members) {
    ConfigErrors errors;
    std::string doc = R"({"schema":1,"defaults":{"timeout_ms":1000,"latency_warn_ms":200},"checks":[)"
                      R"({"id":"d","type":"dns","server":"10.0.2.2","name":"www.example.test")" +
                      check_members + "}]}";
    ASSERT_TRUE(parse_config(doc, *config_, errors).ok()) << errors.at(0).path.c_str();
  }
  // The resolver answers every query at once with what `make` builds from it.
  void answer_with(std::function<std::vector<uint8_t>(const Datagram&)> make) {
    peer_.set_udp_responder(53, [make](FakePeer& peer, const Datagram& d) {
      std::vector<uint8_t> r = make(d);
      peer.send_udp(53, d.box_port, r);
    });
  }
  // Runs the probe to completion (bounded by 5 s of fake time).
  ProbeResult run_one() {
    DnsProbe probe;
    probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
    for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    EXPECT_FALSE(probe.active());
    ProbeResult r = probe.result();
    run_for_ms(10);
    return r;
  }
  void expect_no_leak() {
    EXPECT_EQ(udp_pcbs_in_use(), 0);
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(pbufs_in_use(), 0);
    EXPECT_EQ(heap_bytes_in_use(), 0);
  }

  std::unique_ptr<Config> config_ = std::make_unique<Config>();
};

TEST_F(DnsProbeTest, ExpectedAddressIsOk) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {{192, 0, 2, 10}}); });
  load(R"(,"expect_addresses":["192.0.2.10"])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "www.example.test -> 192.0.2.10");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":"NOERROR","addresses":["192.0.2.10"],"ttl":300})");
  EXPECT_EQ(peer_.udp_seen(53), 1);
  expect_no_leak();
}

TEST_F(DnsProbeTest, ErrorRcodesAreCriticalAndNamed) {
  const std::pair<uint8_t, const char*> cases[] = {{3, "NXDOMAIN"}, {2, "SERVFAIL"}, {5, "REFUSED"}};
  for (const auto& [rcode, name] : cases) {
    answer_with([rcode](const Datagram& d) { return response(d.payload, rcode, {}); });
    load("");
    ProbeResult r = run_one();
    EXPECT_EQ(r.outcome, Outcome::kCritical) << name;
    EXPECT_EQ(r.summary.view(), std::string("www.example.test: ") + name);
    EXPECT_EQ(testing::details_json(r), std::string(R"({"rcode":")") + name + R"(","addresses":[],"ttl":null})");
  }
  expect_no_leak();
}

TEST_F(DnsProbeTest, AnUnexpectedExtraAddressIsAWarning) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {{192, 0, 2, 10}, {203, 0, 113, 66}}); });
  load(R"(,"expect_addresses":["192.0.2.10"])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kWarning);
  EXPECT_EQ(r.summary.view(), "www.example.test -> 192.0.2.10 (+1), unexpected addresses");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":"NOERROR","addresses":["192.0.2.10","203.0.113.66"],"ttl":300})");
  expect_no_leak();
}

TEST_F(DnsProbeTest, OnlyUnexpectedAddressesAreCritical) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {{203, 0, 113, 66}}); });
  load(R"(,"expect_addresses":["192.0.2.10"])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test -> 203.0.113.66, expected 192.0.2.10");
  expect_no_leak();
}

TEST_F(DnsProbeTest, AnAnswerFromAnotherAddressIsIgnored) {
  // A spoofer on the link answers first with a wrong address; the resolver's own
  // answer, later, is the one taken.
  std::vector<Datagram> held;
  peer_.set_udp_responder(53, [&held](FakePeer& peer, const Datagram& d) {
    peer.send_udp(53, d.box_port, response(d.payload, 0, {{203, 0, 113, 66}}), kOtherIp);
    held.push_back(d);
  });
  load(R"(,"expect_addresses":["192.0.2.10"])");
  DnsProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  run_for_ms(50);
  EXPECT_EQ(probe.poll(clock_.now()), Probe::Poll::kPending);
  ASSERT_EQ(held.size(), 1u);
  peer_.send_udp(53, held[0].box_port, response(held[0].payload, 0, {{192, 0, 2, 10}}));
  run_for_ms(1);
  EXPECT_EQ(probe.poll(clock_.now()), Probe::Poll::kReady);
  EXPECT_EQ(probe.result().outcome, Outcome::kOk) << probe.result().summary.c_str();
  EXPECT_EQ(testing::details_json(probe.result()), R"({"rcode":"NOERROR","addresses":["192.0.2.10"],"ttl":300})");
  run_for_ms(10);
  expect_no_leak();
}

TEST_F(DnsProbeTest, AnAnswerFromAnotherAddressAloneIsATimeout) {
  peer_.set_udp_responder(53, [](FakePeer& peer, const Datagram& d) {
    peer.send_udp(53, d.box_port, response(d.payload, 0, {{192, 0, 2, 10}}), kOtherIp);
  });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: no answer from 10.0.2.2");
  expect_no_leak();
}

TEST_F(DnsProbeTest, AWrongIdIsIgnoredAndNamedAtTheTimeout) {
  answer_with([](const Datagram& d) {
    std::vector<uint8_t> r = response(d.payload, 0, {{192, 0, 2, 10}});
    r[1] ^= 0x5A;
    return r;
  });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: DNS answer id mismatch, no valid answer in 1000 ms");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":null,"addresses":[],"ttl":null})");
  EXPECT_GE(r.latency_us, 1'000'000);
  EXPECT_LT(r.latency_us, 1'010'000);
  expect_no_leak();
}

TEST_F(DnsProbeTest, SilenceIsRetriedOnceThenTimesOutAtTheDeadline) {
  std::vector<int64_t> sent_at;
  peer_.set_udp_responder(53, [&](FakePeer&, const Datagram&) { sent_at.push_back(clock_.now()); });
  load(R"(,"timeout_ms":800)");
  int64_t start = clock_.now();
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: no answer from 10.0.2.2");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":null,"addresses":[],"ttl":null})");
  EXPECT_GE(r.latency_us, 800'000);
  EXPECT_LT(r.latency_us, 810'000);
  ASSERT_EQ(sent_at.size(), 2u);  // the query and one retry, no more
  EXPECT_LT(sent_at[0] - start, 10'000);
  EXPECT_GE(sent_at[1] - start, 400'000);  // the retry at half the timeout
  EXPECT_LT(sent_at[1] - start, 410'000);
  expect_no_leak();
}

TEST_F(DnsProbeTest, AnswerToTheRetryIsTaken) {
  int queries = 0;
  // The first query is lost; the retry is answered.
  peer_.set_udp_responder(53, [&queries](FakePeer& peer, const Datagram& d) {
    if (++queries > 1) peer.send_udp(53, d.box_port, response(d.payload, 0, {{192, 0, 2, 10}}));
  });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kWarning);  // 500 ms > latency_warn_ms 200
  EXPECT_EQ(r.summary.view(), "www.example.test -> 192.0.2.10, slow");
  EXPECT_EQ(queries, 2);
  expect_no_leak();
}

TEST_F(DnsProbeTest, IcmpPortUnreachableIsNotSeenSoItTimesOut) {
  // lwIP hands ICMP errors to no UDP pcb: a closed resolver port looks silent.
  peer_.set_udp_responder(53, [](FakePeer& peer, const Datagram& d) { peer.send_icmp_port_unreachable(d); });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: no answer from 10.0.2.2");
  EXPECT_EQ(peer_.udp_seen(53), 2);
  expect_no_leak();
}

TEST_F(DnsProbeTest, TruncatedAnswerFallsBackToTcp) {
  // The fake peer plays TCP handshakes only (no data stream yet): the probe must
  // connect to the resolver's port 53 over TCP, stop retrying over UDP, and report a
  // refused connection as critical.
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}, true); });
  peer_.set_port(53, FakePeer::Port::kClosed);
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: TCP connection to the resolver failed");
  EXPECT_EQ(peer_.syns_seen(), 1);
  EXPECT_EQ(peer_.udp_seen(53), 1);
  expect_no_leak();
}

TEST_F(DnsProbeTest, TruncatedAnswerWithNoTcpBufferFreeWaitsThenIsUnknownAtTheDeadline) {
  // Every buffer for answers over TCP is taken (other checks reading theirs) for
  // the whole of the probe's time: it waits, then says why, as unknown (the
  // resolver did nothing wrong).
  uint8_t* taken[DnsTcpBuffers::kCount];
  for (uint8_t*& t : taken) ASSERT_NE(t = DnsTcpBuffers::lease(), nullptr);
  EXPECT_EQ(DnsTcpBuffers::lease(), nullptr);
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}, true); });
  peer_.set_port(53, FakePeer::Port::kOpen);
  load("");
  DnsProbe probe;
  const hal::MonoMicros began = clock_.now();
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  int polls = 0;
  for (; polls < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++polls) run_for_ms(1);
  ProbeResult r = probe.result();
  EXPECT_GE(clock_.now() - began, 1000 * 1000);  // it waited to the deadline (timeout_ms 1000)
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  FixedText<140> want;
  want.appendf("www.example.test: truncated answer and no buffer free for it over TCP before the deadline (%d in use)",
               DnsTcpBuffers::kCount);
  EXPECT_EQ(r.summary.view(), want.view());
  EXPECT_EQ(peer_.syns_seen(), 0);
  run_for_ms(10);
  for (uint8_t* t : taken) DnsTcpBuffers::give_back(t);
  EXPECT_EQ(DnsTcpBuffers::in_use(), 0);
  expect_no_leak();
}

TEST_F(DnsProbeTest, TruncatedAnswerWaitsForATakenTcpBufferAndUsesItWhenFreed) {
  // The pool is exhausted when the truncated answer comes; another check gives its
  // buffer back 200 ms later: the probe then goes on over TCP within its deadline
  // and judges what the resolver does there (here: refuses, so critical).
  uint8_t* taken[DnsTcpBuffers::kCount];
  for (uint8_t*& t : taken) ASSERT_NE(t = DnsTcpBuffers::lease(), nullptr);
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}, true); });
  peer_.set_port(53, FakePeer::Port::kClosed);
  load("");
  DnsProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(probe.poll(clock_.now()), Probe::Poll::kPending) << "no verdict while it waits";
    run_for_ms(1);
  }
  EXPECT_EQ(peer_.syns_seen(), 0);
  EXPECT_EQ(peer_.udp_seen(53), 1);
  for (uint8_t* t : taken) DnsTcpBuffers::give_back(t);
  for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  ProbeResult r = probe.result();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: TCP connection to the resolver failed");
  EXPECT_EQ(peer_.syns_seen(), 1);
  EXPECT_EQ(peer_.udp_seen(53), 1);  // no UDP retry while it waited
  EXPECT_EQ(DnsTcpBuffers::in_use(), 0);
  run_for_ms(10);
  expect_no_leak();
}

TEST_F(DnsProbeTest, TheTcpBufferIsGivenBackAtTheTeardown) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}, true); });
  peer_.set_port(53, FakePeer::Port::kOpen);
  load("");
  DnsProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  for (int i = 0; i < 50 && DnsTcpBuffers::in_use() == 0; ++i) run_for_ms(1);
  EXPECT_EQ(DnsTcpBuffers::in_use(), 1);  // reading the answer over TCP
  probe.cancel();
  EXPECT_EQ(DnsTcpBuffers::in_use(), 0);
  run_for_ms(10);
  expect_no_leak();
}

TEST_F(DnsProbeTest, TruncatedAnswerWithASilentTcpResolverTimesOutWithoutAUdpRetry) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}, true); });
  peer_.set_port(53, FakePeer::Port::kOpen);
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: no answer from 10.0.2.2");
  EXPECT_EQ(peer_.syns_seen(), 1);
  EXPECT_EQ(peer_.udp_seen(53), 1);
  expect_no_leak();
}

TEST_F(DnsProbeTest, NoErrorWithoutAnAddressIsCritical) {
  answer_with([](const Datagram& d) { return response(d.payload, 0, {}); });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: empty answer");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":"NOERROR","addresses":[],"ttl":null})");
  expect_no_leak();
}

TEST_F(DnsProbeTest, ACutShortAnswerIsCriticalAndSaysSo) {
  answer_with([](const Datagram& d) {
    std::vector<uint8_t> r = response(d.payload, 0, {{192, 0, 2, 10}});
    r.resize(r.size() - 2);
    return r;
  });
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: answer cut short");
  EXPECT_EQ(testing::details_json(r), R"({"rcode":null,"addresses":[],"ttl":null})");
  EXPECT_EQ(peer_.udp_seen(53), 1);
  expect_no_leak();
}

TEST_F(DnsProbeTest, AnEchoedQueryIsIgnoredAndNamedAtTheTimeout) {
  answer_with([](const Datagram& d) { return d.payload; });  // a reflector, not a resolver
  load("");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "www.example.test: a query came back, not an answer, no valid answer in 1000 ms");
  EXPECT_EQ(peer_.udp_seen(53), 2);
  expect_no_leak();
}

TEST_F(DnsProbeTest, ACnameChainIsReportedWithTheFinalAddressAndTheLowestTtl) {
  answer_with([](const Datagram& d) {
    std::vector<uint8_t> r = response(d.payload, 0, {});
    r[7] = 2;
    // www.example.test CNAME edge.example.test (TTL 3600), then edge A 192.0.2.10 (TTL 300).
    const uint8_t cname[] = {0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0x0E, 0x10, 0, 7, 4, 'e', 'd', 'g', 'e', 0xC0, 0x10};
    r.insert(r.end(), cname, cname + sizeof(cname));
    const uint16_t edge = static_cast<uint16_t>(r.size() - 7);
    const uint8_t a[] = {static_cast<uint8_t>(0xC0 | edge >> 8), static_cast<uint8_t>(edge), 0, 1, 0, 1, 0, 0, 0x01,
                         0x2C, 0, 4, 192, 0, 2, 10};
    r.insert(r.end(), a, a + sizeof(a));
    return r;
  });
  load(R"(,"expect_addresses":["192.0.2.10"])");
  ProbeResult r = run_one();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(testing::details_json(r),
            R"({"rcode":"NOERROR","addresses":["192.0.2.10"],"ttl":300,"cname":"edge.example.test"})");
  expect_no_leak();
}

}  // namespace
}  // namespace probebox::test
