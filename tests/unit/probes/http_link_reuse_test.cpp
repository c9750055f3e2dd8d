// http checks of one server sending their requests over one connection within a cycle
// (probes/link_reuse.h): which checks may, the probe that keeps the connection and the
// one that takes it, and the scheduler that passes it on. The real lwIP core against
// a scripted peer (no network).
#include "probes/link_reuse.h"

#include <memory>
#include <string>

#include "fake_tls_server.h"
#include "monitor/health_model.h"
#include "monitor/scheduler.h"
#include "net/tls_memory.h"
#include "probe_fixture.h"
#include "probes/http_probe.h"

namespace probebox::test {
namespace {

using Reply = FakePeer::Reply;

constexpr const char* kOk = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";

// What a persistent server saw: connections, and requests over all of them.
struct Served {
  int connections = 0;
  int requests = 0;
};

// An HTTP/1.1 server that answers each request of a connection with `response`, as
// nginx does. `reset_at`: the request (counted over every connection, from 1) it
// answers with a RST instead, as a server that closed the idle connection just as
// that request came. A conversation is called with no bytes when a connection opens,
// then with all the bytes of that connection after each segment: a segment that ends
// a request's head (the probe sends each request in one) is answered.
FakePeer::Conversation persistent_server(std::string response, std::shared_ptr<Served> served, int reset_at = 0) {
  return [=](std::string_view received) -> Reply {
    if (received.empty()) {
      ++served->connections;
      return {};
    }
    if (received.size() < 4 || received.substr(received.size() - 4) != "\r\n\r\n") return {};
    if (++served->requests == reset_at) return {"", Reply::Close::kRst};
    return {response};
  };
}

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HttpLinkReuseTest : public ProbeFixture {
 protected:
  void TearDown() override {
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    ProbeFixture::TearDown();
  }
  // Runs `probe` on check `index` until it reports, as the scheduler would, with
  // `memory` as the check's.
  ProbeResult run_check(HttpProbe& probe, uint16_t index, CheckMemory& memory, net::TlsClientConfig* tls = nullptr,
                        net::ResumptionStore* sessions = nullptr) {
    probe.start(config_->checks[index], ProbeEnv{&clock_, config_.get(), tls, &memory, sessions});
    for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
    EXPECT_FALSE(probe.active());
    ProbeResult r = probe.result();
    run_for_ms(20);
    return r;
  }
  // Checks a (/testall) and b (/health) of one plain-HTTP server on port 8080, and
  // memory_, a's or b's, saying a check may follow.
  void load_pair() {
    load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"},)"
         R"({"id":"b","type":"http","url":"http://10.0.2.2:8080/health"}])");
    memory_.passes_link = true;
  }
  std::shared_ptr<Served> served_ = std::make_shared<Served>();
  CheckMemory memory_;
};

TEST(HttpLinkReuse, OneServerOneSchemeOverHttpsOneNameAnotherRequestNeverTheBalancersTestall) {
  Config config;
  ConfigErrors errors;
  const std::string doc = R"({"schema":1,"checks":[)"
      R"({"id":"testall","type":"http","url":"https://10.0.2.2/testall","host_header":"manage.lab.test"},)"
      R"({"id":"health","type":"http","url":"https://10.0.2.2/health/status/services","host_header":"manage.lab.test"},)"
      R"({"id":"other-name","type":"http","url":"https://10.0.2.2/testall","host_header":"rta.lab.test"},)"
      R"({"id":"other-port","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"manage.lab.test"},)"
      R"({"id":"other-host","type":"http","url":"https://node2.lab.test/testall","host_header":"manage.lab.test"},)"
      R"({"id":"clear","type":"http","url":"http://10.0.2.2:443/testall","host_header":"manage.lab.test"},)"
      R"({"id":"redirect-a","type":"http","url":"http://10.0.2.2/","host_header":"manage.lab.test"},)"
      R"({"id":"redirect-b","type":"http","url":"http://10.0.2.2/","host_header":"rta.lab.test"},)"
      R"({"id":"cert","type":"tls_cert","host":"10.0.2.2","port":443,"server_name":"manage.lab.test"},)"
      R"({"id":"testall-again","type":"http","url":"https://10.0.2.2/testall","host_header":"manage.lab.test"},)"
      R"({"id":"root","type":"http","url":"http://10.0.2.2","host_header":"manage.lab.test"}]})";
  ASSERT_TRUE(parse_config(doc, config, errors).ok()) << errors.at(0).path.c_str();
  auto shares = [&](int a, int b) { return http_shares_connection(config, config.checks[a], config.checks[b]); };
  EXPECT_TRUE(shares(0, 1));
  EXPECT_TRUE(shares(1, 0));
  EXPECT_FALSE(shares(0, 2)) << "another TLS name is another session";
  EXPECT_FALSE(shares(0, 3));
  EXPECT_FALSE(shares(0, 4));
  EXPECT_FALSE(shares(0, 5)) << "https and clear";
  EXPECT_TRUE(shares(6, 7)) << "in clear each request names its own Host";
  EXPECT_FALSE(shares(0, 8)) << "a tls_cert check sends no request";
  EXPECT_FALSE(shares(0, 9)) << "the same request again is a sample: a connection of its own";
  EXPECT_FALSE(shares(6, 10)) << "a URL without a path requests /";
  EXPECT_EQ(http_tls_name(config, config.checks[6]), "manage.lab.test");
  EXPECT_EQ(http_request_path(config, config.checks[10]), "/");
  config.checks[1].role = CheckRole::kLbTestall;
  EXPECT_FALSE(shares(0, 1)) << "the balancer's /testall reaches its nodes on new connections";
  EXPECT_FALSE(shares(1, 0));
}

TEST_F(HttpLinkReuseTest, TheNextCheckSendsItsRequestOnTheConnectionTheFirstKept) {
  peer_.set_conversation(8080, persistent_server(kOk, served_));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"},)"
       R"({"id":"b","type":"http","url":"http://10.0.2.2:8080/","host_header":"rta.lab.test"}])");
  CheckMemory memory_a, memory_b;
  memory_a.passes_link = memory_b.passes_link = true;
  {
    HttpProbe probe;
    ProbeResult a = run_check(probe, 0, memory_a);
    EXPECT_EQ(a.outcome, Outcome::kOk) << a.summary.c_str();
    EXPECT_EQ(peer_.resets_from_box(), 0) << "kept open";
    EXPECT_EQ(peer_.open_streams(), 1);
    ASSERT_TRUE(probe.keeps_link_for(config_->checks[1]));
    ProbeResult b = run_check(probe, 1, memory_b);
    EXPECT_EQ(b.outcome, Outcome::kOk) << b.summary.c_str();
    EXPECT_EQ(b.phases.at(Phase::kConnect), -1) << "no connect of its own";
    EXPECT_GE(b.phases.at(Phase::kFirstByte), 0);
    const std::string stream = peer_.received(8080);
    EXPECT_EQ(count(stream, "GET "), 2u) << stream;
    EXPECT_NE(stream.find("GET / HTTP/1.1\r\nHost: rta.lab.test\r\n"), std::string::npos) << stream;
  }
  run_for_ms(20);
  EXPECT_EQ(served_->connections, 1);
  EXPECT_EQ(served_->requests, 2);
  EXPECT_EQ(peer_.syns_seen(), 1);
  EXPECT_EQ(peer_.resets_from_box(), 1) << "the probe's end resets the connection no check took";
}

TEST_F(HttpLinkReuseTest, WithNoCheckToFollowTheAnswerEndsTheConnectionAtOnce) {
  peer_.set_conversation(8080, persistent_server(kOk, served_));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"}])");
  HttpProbe probe;
  ProbeResult a = run_check(probe, 0, memory_);  // memory_ says no check follows
  EXPECT_EQ(a.outcome, Outcome::kOk) << a.summary.c_str();
  EXPECT_EQ(peer_.resets_from_box(), 1);
  EXPECT_FALSE(probe.keeps_link_for(config_->checks[0]));
}

TEST_F(HttpLinkReuseTest, AnAnswerThatEndsTheConnectionsUseIsNotKept) {
  const std::string answers[] = {
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK",
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1 200 OK\r\n\r\n",
  };
  for (const std::string& answer : answers) {
    peer_.set_conversation(8080, persistent_server(answer, served_));
    load_pair();
    HttpProbe probe;
    ProbeResult a = run_check(probe, 0, memory_);
    EXPECT_EQ(a.outcome, Outcome::kOk) << answer << ": " << a.summary.c_str();
    EXPECT_FALSE(probe.keeps_link_for(config_->checks[1])) << answer;
    EXPECT_EQ(peer_.open_streams(), 0) << answer;
    peer_.clear_conversations();
  }
}

// The server ends the idle connection (a FIN) before the next check comes: nothing
// is kept, and the scheduler would start that check on a new probe.
TEST_F(HttpLinkReuseTest, AConnectionTheServerClosedIsNotOffered) {
  peer_.set_conversation(8080, [](std::string_view received) -> Reply {
    if (received.find("\r\n\r\n") == std::string_view::npos) return {};
    return {kOk, Reply::Close::kFin};
  });
  load_pair();
  HttpProbe probe;
  ProbeResult a = run_check(probe, 0, memory_);
  EXPECT_EQ(a.outcome, Outcome::kOk) << a.summary.c_str();
  EXPECT_FALSE(probe.keeps_link_for(config_->checks[1]));
  EXPECT_EQ(peer_.open_streams(), 0);
}

// RFC 9112 9.3.1: the server closed the idle connection as the request crossed it.
// Nothing of the answer came: the request goes again on a new connection, and the
// check's verdict is the server's answer there, not the lost connection.
TEST_F(HttpLinkReuseTest, ARequestTheKeptConnectionLostGoesAgainOnANewOne) {
  peer_.set_conversation(8080, persistent_server(kOk, served_, /*reset_at=*/2));
  load_pair();
  {
    HttpProbe probe;
    ProbeResult a = run_check(probe, 0, memory_);
    ASSERT_TRUE(probe.keeps_link_for(config_->checks[1]));
    ProbeResult b = run_check(probe, 1, memory_);
    EXPECT_EQ(b.outcome, Outcome::kOk) << b.summary.c_str();
    EXPECT_GE(b.phases.at(Phase::kConnect), 0) << "its own connection, the second time";
    EXPECT_EQ(b.measurements.http_status, 200);
  }
  run_for_ms(20);
  EXPECT_EQ(served_->connections, 2);
  EXPECT_EQ(served_->requests, 3);
  EXPECT_EQ(peer_.syns_seen(), 2);
}

// A server that answers half, then resets: that is the answer, a broken one, not a
// connection lost before it (no second try).
TEST_F(HttpLinkReuseTest, AnAnswerBrokenOffOnAKeptConnectionIsTheVerdict) {
  peer_.set_conversation(8080, [answered = 0](std::string_view received) mutable -> Reply {
    if (received.empty() || count(received, "\r\n\r\n") == static_cast<size_t>(answered)) return {};
    if (++answered == 1) return {kOk};
    return {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK", Reply::Close::kRst};
  });
  load_pair();
  HttpProbe probe;
  (void)run_check(probe, 0, memory_);
  ASSERT_TRUE(probe.keeps_link_for(config_->checks[1]));
  ProbeResult b = run_check(probe, 1, memory_);
  EXPECT_EQ(b.outcome, Outcome::kCritical);
  EXPECT_EQ(b.summary.view(), "connection reset mid-reply after 2 of 10 body bytes") << b.summary.c_str();
  EXPECT_EQ(peer_.syns_seen(), 1);
}

class HttpsLinkReuseTest : public HttpLinkReuseTest {
 protected:
  void SetUp() override {
    HttpLinkReuseTest::SetUp();
    net::tls_memory_init();
    clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);  // 2030-01-01, inside the lab certificate's dates
    ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  }
  void TearDown() override {
    peer_.clear_conversations();
    tls_->reset();
    EXPECT_EQ(net::TlsSessions::in_use(), 0);
    HttpLinkReuseTest::TearDown();
  }
  std::unique_ptr<net::TlsClientConfig> tls_ = std::make_unique<net::TlsClientConfig>();
  std::shared_ptr<TicketPolicy> tickets_ = std::make_shared<TicketPolicy>();
};

// The appliance's own view after its /testall: one handshake for both, and the second
// check judges the session's certificate for itself before its credentials go out.
TEST_F(HttpsLinkReuseTest, AHealthCheckAfterTestallSendsItsCredentialsOnTheVerifiedSession) {
  auto plain = std::make_shared<std::string>();
  auto server = persistent_server("HTTP/1.1 204 No Content\r\n\r\n", served_);
  peer_.set_conversation(8443, tls_server_with_tickets(tickets_, [plain, server](std::string_view inside) mutable {
    plain->assign(inside);
    return server(inside);
  }));
  load(R"([{"id":"testall","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test",)"
       R"("expect_status":[204]},)"
       R"({"id":"health","type":"http","url":"https://10.0.2.2:8443/health/status/services",)"
       R"("host_header":"hostile.lab.test","username":"api_keys_health","password":"k3y","expect_status":[204]}])");
  CheckMemory memory;
  memory.passes_link = true;
  {
    HttpProbe probe;
    ProbeResult a = run_check(probe, 0, memory, tls_.get());
    EXPECT_EQ(a.outcome, Outcome::kOk) << a.summary.c_str();
    ASSERT_TRUE(probe.keeps_link_for(config_->checks[1]));
    ProbeResult b = run_check(probe, 1, memory, tls_.get());
    EXPECT_EQ(b.outcome, Outcome::kOk) << b.summary.c_str();
    EXPECT_EQ(b.phases.at(Phase::kTls), -1) << "no handshake of its own";
  }
  run_for_ms(20);
  EXPECT_EQ(tickets_->handshakes, 1);
  EXPECT_EQ(served_->requests, 2);
  EXPECT_EQ(count(*plain, "GET "), 2u);
  EXPECT_EQ(count(*plain, "Authorization: Basic "), 1u) << *plain;
}

// An answer followed, in the same flight, by the server's close_notify and FIN: one
// verdict, and nothing kept.
TEST_F(HttpsLinkReuseTest, AnAnswerFollowedByTheServersCloseIsJudgedOnceAndNotKept) {
  peer_.set_conversation(8443, tls_server_with_tickets(tickets_, [](std::string_view inside) -> Reply {
    if (inside.find("\r\n\r\n") == std::string_view::npos) return {};
    return {kOk, Reply::Close::kFin};
  }));
  load(R"([{"id":"testall","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test"},)"
       R"({"id":"other","type":"http","url":"https://10.0.2.2:8443/other","host_header":"hostile.lab.test"}])");
  CheckMemory memory;
  memory.passes_link = true;
  HttpProbe probe;
  ProbeResult a = run_check(probe, 0, memory, tls_.get());
  EXPECT_EQ(a.outcome, Outcome::kOk) << a.summary.c_str();
  EXPECT_EQ(a.summary.view(), "HTTP 200 OK");
  EXPECT_FALSE(probe.keeps_link_for(config_->checks[1]));
}

// A scheduler over the loaded config, with the pool and the health model it reports to.
class SchedulerLinkTest : public HttpLinkReuseTest {
 protected:
  void rig() {
    health_->load(*config_, clock_);
    scheduler_->load(*config_, clock_, Scheduler::Mode::kContinuous);
  }
  // Steps the scheduler every millisecond for `ms` of fake time.
  void step_for_ms(int ms) {
    for (int i = 0; i < ms; ++i) {
      scheduler_->step(clock_.now());
      run_for_ms(1);
    }
  }
  void TearDown() override {
    scheduler_->cancel_all();
    run_for_ms(20);
    HttpLinkReuseTest::TearDown();
  }
  std::unique_ptr<ProbePool> pool_ = std::make_unique<ProbePool>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
  std::unique_ptr<Scheduler> scheduler_ = std::make_unique<Scheduler>(*pool_, *health_);
};

// Three checks of one server in one start group, and one of another: every cycle,
// one connection a server; and the checks that followed keep their due times, so
// they still follow after many cycles.
TEST_F(SchedulerLinkTest, EachCycleAServersChecksShareOneConnection) {
  auto other = std::make_shared<Served>();
  peer_.set_conversation(8080, persistent_server(kOk, served_));
  peer_.set_conversation(8081, persistent_server(kOk, other));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall","interval_s":10},)"
       R"({"id":"b","type":"http","url":"http://10.0.2.2:8080/","interval_s":10},)"
       R"({"id":"elsewhere","type":"http","url":"http://10.0.2.2:8081/testall","interval_s":10},)"
       R"({"id":"c","type":"http","url":"http://10.0.2.2:8080/x","interval_s":10}])");
  rig();
  constexpr int kCycles = 6;
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    step_for_ms(10'000);
    EXPECT_EQ(served_->connections, cycle) << cycle;
    EXPECT_EQ(served_->requests, 3 * cycle) << cycle;
    EXPECT_EQ(other->connections, cycle) << cycle;
  }
  for (uint16_t i = 0; i < 4; ++i) {
    EXPECT_EQ(health_->check(i).last.outcome, Outcome::kOk) << i;
  }
  EXPECT_EQ(peer_.resets_from_box(), 2 * kCycles) << "one RST a connection, when its last check is done";
}

// A server slow to accept: the checks waiting for its connection wait kLinkWaitUs
// after their due time, no longer, then open connections of their own; meanwhile the
// loop may sleep until then.
TEST_F(SchedulerLinkTest, ChecksWaitForASlowServersConnectionOnlySoLong) {
  peer_.set_conversation(8080, persistent_server(kOk, served_));
  peer_.hold_syn_acks(true);
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall","interval_s":30,"timeout_ms":5000,)"
       R"("latency_warn_ms":4000},)"
       R"({"id":"b","type":"http","url":"http://10.0.2.2:8080/","interval_s":30,"timeout_ms":5000,)"
       R"("latency_warn_ms":4000}])");
  const hal::MonoMicros loaded = clock_.now();
  rig();
  scheduler_->step(clock_.now());
  EXPECT_EQ(scheduler_->in_flight(), 1) << "b waits for a's connection";
  EXPECT_EQ(scheduler_->next_start(), loaded + Scheduler::kLinkWaitUs);
  step_for_ms(Scheduler::kLinkWaitUs / 1000 - 10);
  EXPECT_EQ(scheduler_->in_flight(), 1);
  step_for_ms(20);
  EXPECT_EQ(scheduler_->in_flight(), 2) << "b no longer waits";
  peer_.release_held();
  peer_.hold_syn_acks(false);
  step_for_ms(100);
  EXPECT_EQ(scheduler_->in_flight(), 0) << health_->check(1).last.summary();
  EXPECT_EQ(served_->connections, 2);
  EXPECT_EQ(health_->check(0).last.outcome, Outcome::kOk);
  EXPECT_EQ(health_->check(1).last.outcome, Outcome::kOk);
}

}  // namespace
}  // namespace probebox::test
