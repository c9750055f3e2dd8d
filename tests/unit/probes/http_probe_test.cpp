// The http probe on the real lwIP core against a scripted TCP stream peer (no network).
#include "probes/http_probe.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fake_tls_server.h"
#include "lwip/mem.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"
#include "net/tls_memory.h"
#include "probe_fixture.h"
#include "shortage_sweep.h"
#include "details_json.h"

namespace probebox::test {
namespace {

using Reply = FakePeer::Reply;

// A server that answers once the request's headers are complete.
FakePeer::Conversation answer_request(std::string response, Reply::Close close = Reply::Close::kFin) {
  return [response, close, answered = false](std::string_view received) mutable -> Reply {
    if (answered || received.find("\r\n\r\n") == std::string_view::npos) return {};
    answered = true;
    return {response, close};
  };
}

class HttpProbeTest : public ProbeFixture {
 protected:
  void TearDown() override {
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    ProbeFixture::TearDown();
  }
};

TEST_F(HttpProbeTest, PlainOkIsOkAndTheRequestIsAGet) {
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                              "Content-Length: 2\r\n\r\nOK"));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK");
  EXPECT_EQ(testing::details_json(r),
            R"({"http_status":200,"body_match":true,"services_down":[],"server_date_skew_s":null})");
  EXPECT_EQ(r.measurements.http_status, 200);
  EXPECT_EQ(r.server_code, 200);
  EXPECT_EQ(r.reason, FailReason::kNone);
  EXPECT_GE(r.phases.at(Phase::kConnect), 0);
  EXPECT_GE(r.phases.at(Phase::kFirstByte), r.phases.at(Phase::kConnect));
  EXPECT_EQ(r.phases.at(Phase::kTls), -1) << "plain http has no TLS phase";
  std::string request = peer_.received(8080);
  EXPECT_EQ(request.rfind("GET /testall HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: 10.0.2.2:8080\r\n"), std::string::npos) << request;
  EXPECT_EQ(peer_.syns_seen(), 1);
  // The probe has its answer and ends the connection with one RST (TcpLink::Ending).
  EXPECT_EQ(peer_.resets_from_box(), 1);
}

// The connection is made, but lwIP's heap has no buffer left for the request (other
// probes' records and a slow web client hold it): the box's shortage, unknown, not a
// server that "could not be sent to". (The heap, not the segment pool: the SYN-ACK
// frees the SYN's segment just before the connected callback sends.)
TEST_F(HttpProbeTest, NoMemoryForTheRequestIsUnknownNotCritical) {
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  peer_.hold_syn_acks(true);
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"}])");
  HttpProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  run_for_ms(5);
  std::vector<void*> taken;
  for (mem_size_t size = 1024; size >= 1; size /= 2) {
    for (void* block = mem_malloc(size); block != nullptr && taken.size() < 100'000; block = mem_malloc(size)) {
      taken.push_back(block);
    }
  }
  ASSERT_FALSE(taken.empty());
  peer_.release_held();
  for (int i = 0; i < 1000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  for (void* block : taken) mem_free(block);
  const ProbeResult& r = probe.result();
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  EXPECT_EQ(r.summary.view(), "no memory to send (lwIP heap or segment pool exhausted)");
  run_for_ms(20);
}

// /testall's 200 must be text/plain: parameters after a ';' are fine even past the
// 64 bytes the parser keeps of a Content-Type; a longer value whose media type does
// not end within them is not judged text/plain on its head.
TEST_F(HttpProbeTest, TestallContentTypeWithParametersOrLongIsJudgedRight) {
  struct Case {
    std::string content_type;
    Outcome outcome;
  };
  const Case cases[] = {
      {"text/plain; charset=utf-8", Outcome::kOk},
      {"Text/Plain ; charset=utf-8; profile=" + std::string(100, 'x'), Outcome::kOk},
      {"text/plain" + std::string(60, ' ') + "/html", Outcome::kWarning},
      {"text/plain" + std::string(100, 'x'), Outcome::kWarning},
      {"text/html; charset=utf-8; profile=" + std::string(100, 'x'), Outcome::kWarning},
  };
  for (const Case& c : cases) {
    peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Type: " + c.content_type +
                                                "\r\nContent-Length: 2\r\n\r\nOK"));
    load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"}])");
    ProbeResult r = run_one<HttpProbe>();
    EXPECT_EQ(r.outcome, c.outcome) << c.content_type << ": " << r.summary.c_str();
    if (c.outcome == Outcome::kOk) EXPECT_EQ(r.summary.view(), "HTTP 200 OK");
    else EXPECT_NE(r.summary.view().find(", not text/plain"), std::string_view::npos) << r.summary.c_str();
    peer_.clear_conversations();
  }
}

TEST_F(HttpProbeTest, TestallServerErrorNamesTheServicesDown) {
  peer_.set_conversation(8080, answer_request("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                              "Content-Length: 40\r\n\r\n"
                                              "mysql seems down.\nredis seems down.\nfoo\n"));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/testall"}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "HTTP 503, down: mysql,redis");
  EXPECT_EQ(r.reason, FailReason::kServerReply);
  EXPECT_EQ(r.server_code, 503);
  EXPECT_EQ(testing::details_json(r), R"({"http_status":503,"body_match":null,"services_down":["mysql","redis"],)"
                              R"("server_date_skew_s":null})");
}

// A load balancer's /testall (the profile's role): one request per new connection,
// twice the nodes, stopping at the first that is not OK; the nodes that answered
// (X-Auth0-Host) are kept, distinct.
FakePeer::Conversation rotate_nodes(std::vector<std::string> answers, int* served) {
  return [answers, served](std::string_view received) -> Reply {
    if (received.find("\r\n\r\n") == std::string_view::npos) return {};
    const std::string& a = answers[static_cast<size_t>(*served) % answers.size()];
    ++*served;
    return {a, Reply::Close::kFin};
  };
}

std::string node_answer(int status, const char* node) {
  std::string body = status == 200 ? "OK" : "manage seems down. Reason: x\n";
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Internal Server Error") +
         "\r\nContent-Type: text/plain\r\nX-Auth0-Host: " + node + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void load_balancer_with_three_nodes(Config& config) {
  config.checks[0].role = CheckRole::kLbTestall;
  for (uint16_t i = 1; i < 4; ++i) config.checks[i].role = CheckRole::kNodeTestall;
}

constexpr const char* kLbAndNodes = R"([{"id":"lb","type":"http","url":"http://10.0.2.2:8080/testall"},
  {"id":"n1","type":"http","url":"http://10.0.2.2:8081/testall"},
  {"id":"n2","type":"http","url":"http://10.0.2.2:8082/testall"},
  {"id":"n3","type":"http","url":"http://10.0.2.2:8083/testall"}])";

TEST_F(HttpProbeTest, ThroughALoadBalancerEveryRequestIsANewConnectionUntilEveryNodeAnswered) {
  int served = 0;
  peer_.set_conversation(8080, rotate_nodes({node_answer(200, "a0-1"), node_answer(200, "a0-2"),
                                             node_answer(200, "a0-3")}, &served));
  load(kLbAndNodes);
  load_balancer_with_three_nodes(*config_);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  // Three distinct nodes for the profile's three: a fourth request would reach one again.
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK, 3 requests");
  EXPECT_EQ(served, 3);
  EXPECT_EQ(peer_.syns_seen(), 3);
  EXPECT_EQ(testing::details_json(r), R"({"http_status":200,"body_match":true,"services_down":[],)"
                                      R"("answered_by":["a0-1","a0-2","a0-3"],"samples":3,"server_date_skew_s":null})");
}

TEST_F(HttpProbeTest, ThroughALoadBalancerThatRepeatsANodeTheRunGoesOnUntilTheLastOneAnswers) {
  int served = 0;
  peer_.set_conversation(8080, rotate_nodes({node_answer(200, "a0-1"), node_answer(200, "a0-1"),
                                             node_answer(200, "a0-2"), node_answer(200, "a0-2"),
                                             node_answer(200, "a0-3")}, &served));
  load(kLbAndNodes);
  load_balancer_with_three_nodes(*config_);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK, 5 requests");
  EXPECT_EQ(served, 5);
}

TEST_F(HttpProbeTest, ThroughALoadBalancerWhoseNodesCannotBeToldApartEveryRequestIsMade) {
  int served = 0;
  peer_.set_conversation(8080, rotate_nodes({node_answer(200, "a0-1")}, &served));
  load(kLbAndNodes);
  load_balancer_with_three_nodes(*config_);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK, 6 requests");
  EXPECT_EQ(served, 6);
}

TEST_F(HttpProbeTest, ThroughALoadBalancerTheFirstFailedRequestEndsTheRun) {
  int served = 0;
  peer_.set_conversation(8080, rotate_nodes({node_answer(200, "a0-1"), node_answer(200, "a0-1"),
                                             node_answer(500, "a0-2")}, &served));
  load(kLbAndNodes);
  load_balancer_with_three_nodes(*config_);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "HTTP 500, down: manage (request 3)");
  EXPECT_EQ(served, 3);
  EXPECT_EQ(testing::details_json(r), R"({"http_status":500,"body_match":null,"services_down":["manage"],)"
                                      R"("answered_by":["a0-1","a0-2"],"samples":3,"server_date_skew_s":null})");
}

TEST_F(HttpProbeTest, ThroughALoadBalancerASlowBoxSamplesFewerRatherThanTimeOut) {
  // The first connect takes 400 ms of a 1000 ms timeout: another request would not
  // fit twice over, so the run ends ok with what it has, and says so.
  int served = 0;
  peer_.set_conversation(8080, rotate_nodes({node_answer(200, "a0-1"), node_answer(200, "a0-2")}, &served));
  peer_.hold_syn_acks(true);
  load(kLbAndNodes);
  load_balancer_with_three_nodes(*config_);
  HttpProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  for (int i = 0; i < 400; ++i) {
    ASSERT_EQ(probe.poll(clock_.now()), Probe::Poll::kPending);
    run_for_ms(1);
  }
  peer_.hold_syn_acks(false);
  peer_.release_held();
  for (int i = 0; i < 2000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  EXPECT_EQ(probe.result().outcome, Outcome::kOk) << probe.result().summary.c_str();
  EXPECT_EQ(probe.result().summary.view(), "HTTP 200 OK, 1 of 6 requests (no time for more)");
  EXPECT_EQ(served, 1);
  run_for_ms(20);
}

TEST_F(HttpProbeTest, ANodesOwnTestallIsOneRequestAndNamesItsNode) {
  int served = 0;
  peer_.set_conversation(8081, rotate_nodes({node_answer(200, "a0-1")}, &served));
  load(R"([{"id":"n1","type":"http","url":"http://10.0.2.2:8081/testall"}])");
  config_->checks[0].role = CheckRole::kNodeTestall;
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK");
  EXPECT_EQ(served, 1);
  EXPECT_EQ(testing::details_json(r), R"({"http_status":200,"body_match":true,"services_down":[],)"
                                      R"("answered_by":["a0-1"],"server_date_skew_s":null})");
}

TEST_F(HttpProbeTest, AStatusInWarnStatusIsAWarning) {
  peer_.set_conversation(80, answer_request("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n"));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2/health","warn_status":[429]}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kWarning) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "HTTP 429");
  EXPECT_EQ(testing::details_json(r), R"({"http_status":429,"body_match":null,"server_date_skew_s":null})");
  EXPECT_NE(peer_.received(80).find("\r\nHost: 10.0.2.2\r\n"), std::string::npos);
}

TEST_F(HttpProbeTest, AConnectThatTakesOverHalfTheTimeoutStillSendsOneRequest) {
  // Past half the timeout the base raises kRetry for a UDP probe that armed it; a
  // TCP probe must neither see it nor take it for its next step.
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  peer_.hold_syn_acks(true);
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/","timeout_ms":1000,"latency_warn_ms":900}])");
  HttpProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get()});
  for (int i = 0; i < 700; ++i) {
    ASSERT_EQ(probe.poll(clock_.now()), Probe::Poll::kPending);
    run_for_ms(1);
  }
  peer_.release_held();
  for (int i = 0; i < 200 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  EXPECT_EQ(probe.result().outcome, Outcome::kOk) << probe.result().summary.c_str();
  EXPECT_EQ(probe.result().summary.view(), "HTTP 200");
  std::string request = peer_.received(8080);
  EXPECT_EQ(request.rfind("GET / HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_EQ(request.find("GET ", 1), std::string::npos) << request;
  run_for_ms(20);
}

TEST_F(HttpProbeTest, HeadersThenAStallTimesOutAtTheDeadline) {
  // The headers promise 100 bytes; none come and the connection stays open.
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", Reply::Close::kNone));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/","timeout_ms":800}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "no complete answer within 800 ms");
  EXPECT_EQ(testing::details_json(r), R"({"http_status":200,"body_match":null})");
  EXPECT_GE(r.latency_us, 800'000);
  EXPECT_LT(r.latency_us, 810'000);
}

TEST_F(HttpProbeTest, AResetMidBodyIsCriticalAndSaysHowFarItGot) {
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n0123456789",
                                              Reply::Close::kRst));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/"}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "connection reset mid-reply after 10 of 50 body bytes");
  EXPECT_EQ(testing::details_json(r), R"({"http_status":null,"body_match":null})");
}

TEST_F(HttpProbeTest, ABodyOverSeveralSegmentsArrivesWhole) {
  // Four segments of the peer's 536 bytes, within the 2048 body bytes the parser keeps.
  std::string body(1900, 'x');
  body += "OK";
  peer_.set_conversation(8080, answer_request("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                                              "\r\n\r\n" + body));
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/","expect_body":"xOK"}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(testing::details_json(r), R"({"http_status":200,"body_match":true,"server_date_skew_s":null})");
}

TEST_F(HttpProbeTest, ARefusedPortIsCritical) {
  peer_.set_port(8080, FakePeer::Port::kClosed);
  load(R"([{"id":"a","type":"http","url":"http://10.0.2.2:8080/"}])");
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "connection refused");
}

// expect_https_redirect (spec/checks.md, http): the HTTPS-only rule on port 80.
constexpr const char* kRedirectCheck =
    R"([{"id":"r","type":"http","url":"http://10.0.2.2/","host_header":"manage.example.com",)"
    R"("expect_https_redirect":true}])";

TEST_F(HttpProbeTest, HttpsOnlyARedirectToHttpsOnTheSameNameIsOk) {
  peer_.set_conversation(80, answer_request("HTTP/1.1 301 Moved Permanently\r\n"
                                            "Location: https://manage.example.com/\r\nContent-Length: 0\r\n\r\n"));
  load(kRedirectCheck);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "HTTP 301 -> https://manage.example.com/");
  EXPECT_EQ(testing::details_json(r), R"({"http_status":301,"body_match":null,"location":"https://manage.example.com/"})");
  EXPECT_NE(peer_.received(80).find("\r\nHost: manage.example.com\r\n"), std::string::npos);
}

TEST_F(HttpProbeTest, HttpsOnlyPageServedInClearIsAWarning) {
  peer_.set_conversation(80, answer_request("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
  load(kRedirectCheck);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kWarning);
  EXPECT_EQ(r.summary.view(), "HTTP 200: served in clear, no https redirect");
}

TEST_F(HttpProbeTest, HttpsOnlyRedirectElsewhereIsAWarning) {
  peer_.set_conversation(80, answer_request("HTTP/1.1 302 Found\r\n"
                                            "Location: https://manage.example.com/\r\nContent-Length: 0\r\n\r\n"));
  load(kRedirectCheck);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kWarning);
  EXPECT_EQ(r.summary.view(), "HTTP 302 -> https://manage.example.com/: not https on this host");
}

// A Location longer than the parser keeps (256 bytes) is judged whole (its scheme
// and host as they streamed) and shown cut: its kept prefix, "..." in the summary,
// "location_truncated" in the details.
TEST_F(HttpProbeTest, HttpsOnlyALongLocationIsJudgedWholeAndShownCut) {
  struct Case {
    std::string location;
    Outcome outcome;
  };
  auto padded = [](std::string s, size_t n) {
    s.resize(n, 'p');
    return s;
  };
  const Case cases[] = {
      {padded("https://manage.example.com/", 300), Outcome::kOk},
      {padded("https://manage.example.com/", 600), Outcome::kOk},
      {padded("https://other.example.net/", 300), Outcome::kWarning},
      {padded("https://other.example.net/", 600), Outcome::kWarning},
  };
  for (const Case& c : cases) {
    peer_.set_conversation(80, answer_request("HTTP/1.1 301 Moved Permanently\r\nLocation: " + c.location +
                                              "\r\nContent-Length: 0\r\n\r\n"));
    load(kRedirectCheck);
    ProbeResult r = run_one<HttpProbe>();
    EXPECT_EQ(r.outcome, c.outcome) << r.summary.c_str();
    const std::string kept = c.location.substr(0, http::ResponseParser::kMaxLocation);
    std::string want = "HTTP 301 -> " + kept + "...";
    if (c.outcome != Outcome::kOk) want += ": not https on this host";
    EXPECT_EQ(r.summary.view(), std::string_view(want).substr(0, r.summary.capacity()));
    EXPECT_EQ(testing::details_json(r), R"({"http_status":301,"body_match":null,"location":")" + kept +
                                            R"(","location_truncated":true})");
    peer_.clear_conversations();
  }
}

TEST_F(HttpProbeTest, HttpsOnlyAClosedPortIsOk) {
  peer_.set_port(80, FakePeer::Port::kClosed);
  load(kRedirectCheck);
  ProbeResult r = run_one<HttpProbe>();
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "port closed: no plain HTTP (HTTPS only)");
}

// --- https: the same server inside FakePeer's TLS server (hostile.lab.test) ----------

class HttpsProbeTest : public HttpProbeTest {
 protected:
  void SetUp() override {
    HttpProbeTest::SetUp();
    net::tls_memory_init();
    clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);  // 2030-01-01, inside the lab certificate's dates
    ASSERT_TRUE(tls_->setup(lab_cert_pem()).ok());
  }
  void TearDown() override {
    peer_.clear_conversations();
    tls_->reset();
    EXPECT_EQ(net::tls_memory_stats().in_use, net::tls_memory_stats().crypto_resident);
    EXPECT_EQ(net::TlsSessions::in_use(), 0);  // every probe gave its link's session back
    HttpProbeTest::TearDown();
  }
  // The request as the server decrypted it.
  FakePeer::Conversation https_server(std::string response, bool tls13_only = false) {
    auto recorded = [inside = plain_inside_, script = answer_request(std::move(response))](std::string_view plain) mutable {
      inside->assign(plain);
      return script(plain);
    };
    return tls13_only ? tls13_only_server(recorded) : tls_server(recorded);
  }
  std::unique_ptr<net::TlsClientConfig> tls_ = std::make_unique<net::TlsClientConfig>();
  std::shared_ptr<std::string> plain_inside_ = std::make_shared<std::string>();
};

TEST_F(HttpsProbeTest, AVerifiedServerGetsTheBasicCredentials) {
  peer_.set_conversation(8443, https_server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"));
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test",)"
       R"("username":"health","password":"k3y"}])");
  ProbeResult r = run_one<HttpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK");
  EXPECT_EQ(plain_inside_->rfind("GET /testall HTTP/1.1\r\n", 0), 0u) << *plain_inside_;
  EXPECT_NE(plain_inside_->find("\r\nAuthorization: Basic aGVhbHRoOmszeQ==\r\n"), std::string::npos)
      << *plain_inside_;
  EXPECT_EQ(peer_.received(8443).find("Authorization"), std::string::npos);  // never in clear
  // No X-Auth0-Host: the certificate that answered names the node (cert: and 8 hex).
  const HttpDetails* d = r.details.http();
  ASSERT_NE(d, nullptr);
  std::string who(r.details.text(d->answered_by));
  EXPECT_EQ(who.rfind("cert:", 0), 0u) << who;
  EXPECT_EQ(who.size(), 13u) << who;
}

// A server (a load balancer set to TLS 1.3 only) that refuses the 1.2 hello: the
// request goes again over a new connection offering 1.3, within the same deadline.
// No session is kept for it: the store resumes 1.2 sessions only.
TEST_F(HttpsProbeTest, AServerThatAcceptsOnlyTls13IsAskedAgainInTls13) {
  peer_.set_conversation(8443, https_server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK",
                                            /*tls13_only=*/true));
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test",)"
       R"("username":"health","password":"k3y"}])");
  auto sessions = std::make_unique<net::ResumptionStore>();
  ProbeResult r = run_one<HttpProbe>(tls_.get(), sessions.get());
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(r.summary.view(), "HTTP 200 OK");
  EXPECT_EQ(peer_.syns_seen(), 2) << "the refused 1.2 hello, then 1.3";
  EXPECT_NE(plain_inside_->find("\r\nAuthorization: Basic aGVhbHRoOmszeQ==\r\n"), std::string::npos) << *plain_inside_;
  EXPECT_EQ(sessions->size(), 0u);
}

// The links' TLS sessions all leased (the scheduler's TLS limit keeps that from
// happening): the https check is unknown and says why, it never reads another's session.
TEST_F(HttpsProbeTest, NoTlsSessionFreeIsUnknownAndSaysSo) {
  peer_.set_conversation(8443, https_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall"}])");
  net::TlsClientSession* leased[net::TlsSessions::kCount];
  for (auto& l : leased) l = net::TlsSessions::lease();
  ProbeResult r = run_one<HttpProbe>(tls_.get());
  for (auto* l : leased) net::TlsSessions::give_back(l);
  EXPECT_EQ(r.outcome, Outcome::kUnknown) << r.summary.c_str();
  EXPECT_EQ(r.reason, FailReason::kNoResources);
  EXPECT_EQ(r.summary.view(), "no memory for a TLS session");
  EXPECT_EQ(net::TlsSessions::in_use(), 0);
}

// Whatever is left of the client pool or of lwIP's heap, the box never blames the
// server for its own shortage. (With 26 KiB of the pool left mbedTLS once made an
// ECDHE point it had no room for into the server's "illegal parameter"; with 256
// bytes of lwIP's heap left the ClientHello waited for room until the deadline and
// read "no answer": both critical verdicts on the load balancer.)
TEST_F(HttpsProbeTest, AnyShortageOfTheBoxsMemoryIsUnknownNeverTheServersFault) {
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test"}])");
  auto run = [&] {
    peer_.set_conversation(
        8443, https_server("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"));
    ProbeResult r = run_one<HttpProbe>(tls_.get());
    peer_.clear_conversations();
    return r;
  };
  sweep_shortage("TLS client pool", run, [](size_t left) { return std::make_unique<TlsPoolFiller>(net::TlsPool::kClient, left); }, 0, 64 * 1024, 1024,
                 {"no memory for a TLS session", "TLS handshake not finished: no TLS memory free on the box"});
  sweep_shortage("lwIP heap", run, [](size_t left) { return std::make_unique<test::LwipHeapTaken>(left); }, 0, 2048, 64,
                 {net::TcpLink::shortage(net::TcpLink::Open::kNoMemory), net::TcpLink::send_shortage()});
}

TEST_F(HttpsProbeTest, ACertificateForAnotherNameGetsNoRequestAtAll) {
  peer_.set_conversation(8443, https_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"api.lab.test",)"
       R"("username":"health","password":"k3y"}])");
  ProbeResult r = run_one<HttpProbe>(tls_.get());
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary.view(), "TLS: certificate not for api.lab.test: credentials not sent");
  EXPECT_EQ(*plain_inside_, "");
}

// --- https: resuming the server's TLS session (net/resumption_store.h) --------------

class HttpsResumptionTest : public HttpsProbeTest {
 protected:
  void SetUp() override {
    HttpsProbeTest::SetUp();
    serve();
    load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test"}])");
  }
  void serve() {
    peer_.set_conversation(8443, tls_server_with_tickets(tickets_, answer_request(kOk)));
  }
  ProbeResult request() { return run_one<HttpProbe>(tls_.get(), sessions_.get()); }
  // The server as the probe keys it: address, port, SNI (the Host).
  static uint32_t server_key() { return net::ResumptionStore::key("10.0.2.2", 8443, "hostile.lab.test"); }
  static constexpr const char* kOk = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
  // The lab leaf's SHA-256 (what tls_cert reports, and the probes' fingerprints start
  // with); all zero when the lab leaf does not parse (a test failure follows).
  static std::array<uint8_t, 32> lab_leaf_sha256() {
    std::array<uint8_t, 32> digest{};
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    std::string pem(lab_cert_pem());
    if (mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1) == 0) {
      (void)mbedtls_sha256(crt.raw.p, crt.raw.len, digest.data(), 0);
    }
    mbedtls_x509_crt_free(&crt);
    return digest;
  }

  std::shared_ptr<TicketPolicy> tickets_ = std::make_shared<TicketPolicy>();
  std::unique_ptr<net::ResumptionStore> sessions_ = std::make_unique<net::ResumptionStore>();
};

TEST_F(HttpsResumptionTest, TheNextRequestResumesTheSessionAndAnswersTheSame) {
  ProbeResult first = request();
  ASSERT_EQ(first.outcome, Outcome::kOk) << first.summary.c_str();
  EXPECT_EQ(tickets_->resumed, 0);
  EXPECT_EQ(sessions_->size(), 1u);
  serve();
  ProbeResult second = request();
  ASSERT_EQ(second.outcome, Outcome::kOk) << second.summary.c_str();
  EXPECT_EQ(tickets_->resumed, 1) << "the server took the ticket: no key exchange, no chain verified";
  EXPECT_EQ(sessions_->hits(), 1u);
  // The saved leaf still names the node that answered, from the fingerprint kept
  // with the session: the first 4 bytes of the lab leaf's SHA-256.
  std::string a(first.details.text(first.details.http()->answered_by));
  std::string b(second.details.text(second.details.http()->answered_by));
  EXPECT_EQ(a, b);
  const std::array<uint8_t, 32> digest = lab_leaf_sha256();
  ASSERT_NE(digest, (std::array<uint8_t, 32>{}));
  char expected[14];
  std::snprintf(expected, sizeof(expected), "cert:%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  EXPECT_EQ(a, expected);
}

// A load balancer passing TLS through to three nodes in turn, each taking only its
// own tickets (nginx's key per node): the balancer's run resumes each node's session
// once the order the nodes answer in is known. The first cycle learns the order (three
// full handshakes), the second the node after the last one (a full handshake: what
// follows a0-3 is new), then every request resumes; another client taking a turn
// between two runs costs one full handshake, not the run.
class HttpsThroughLoadBalancerTest : public HttpsProbeTest {
 protected:
  void SetUp() override {
    HttpsProbeTest::SetUp();
    for (uint8_t k = 0; k < 3; ++k) {
      nodes_[k] = std::make_shared<TicketPolicy>();
      nodes_[k]->key = static_cast<uint8_t>(k + 1);
    }
    peer_.set_conversation(8443, round_robin());
    load(R"([{"id":"lb","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test"},
      {"id":"n1","type":"http","url":"https://10.0.2.2:8081/testall"},
      {"id":"n2","type":"http","url":"https://10.0.2.2:8082/testall"},
      {"id":"n3","type":"http","url":"https://10.0.2.2:8083/testall"}])");
    load_balancer_with_three_nodes(*config_);
  }
  // Each connection to the next node in turn (turn_ counts them), a server of its own.
  FakePeer::Conversation round_robin() {
    return [nodes = nodes_, turn = turn_, current = FakePeer::Conversation()](std::string_view received) mutable {
      if (received.empty()) {
        const size_t k = static_cast<size_t>((*turn)++ % 3);
        current = tls_server_with_tickets(nodes[k], answer_request(node_answer(200, kNames[k])));
      }
      return current(received);
    };
  }
  int resumed() const { return nodes_[0]->resumed + nodes_[1]->resumed + nodes_[2]->resumed; }
  int handshakes() const { return nodes_[0]->handshakes + nodes_[1]->handshakes + nodes_[2]->handshakes; }

  static constexpr const char* kNames[3] = {"a0-1", "a0-2", "a0-3"};
  std::shared_ptr<TicketPolicy> nodes_[3];
  std::shared_ptr<int> turn_ = std::make_shared<int>(0);
  std::unique_ptr<net::ResumptionStore> sessions_ = std::make_unique<net::ResumptionStore>();
};

TEST_F(HttpsThroughLoadBalancerTest, EachNodesSessionIsResumedOnceTheOrderIsKnown) {
  ASSERT_GE(net::ResumptionStore::kSlots, 3u);
  ProbeResult first = run_one<HttpProbe>(tls_.get(), sessions_.get());
  ASSERT_EQ(first.outcome, Outcome::kOk) << first.summary.c_str();
  EXPECT_EQ(first.summary.view(), "HTTP 200 OK, 3 requests");
  EXPECT_EQ(resumed(), 0);
  EXPECT_EQ(sessions_->size(), 3u) << "a session per node";
  ProbeResult second = run_one<HttpProbe>(tls_.get(), sessions_.get());
  ASSERT_EQ(second.outcome, Outcome::kOk) << second.summary.c_str();
  EXPECT_EQ(resumed(), 2) << "a0-1 after a0-3 was not known yet; a0-2 and a0-3 were";
  ProbeResult third = run_one<HttpProbe>(tls_.get(), sessions_.get());
  ASSERT_EQ(third.outcome, Outcome::kOk) << third.summary.c_str();
  EXPECT_EQ(resumed(), 5);
  EXPECT_EQ(handshakes(), 9);
  ++*turn_;  // another client's connection between two runs
  ProbeResult fourth = run_one<HttpProbe>(tls_.get(), sessions_.get());
  ASSERT_EQ(fourth.outcome, Outcome::kOk) << fourth.summary.c_str();
  EXPECT_EQ(testing::details_json(fourth), R"({"http_status":200,"body_match":true,"services_down":[],)"
                                           R"("answered_by":["a0-2","a0-3","a0-1"],"samples":3,"server_date_skew_s":null})");
  EXPECT_EQ(resumed(), 7) << "the first request guessed wrong, the next two resumed";
  EXPECT_EQ(sessions_->size(), 3u);
}

TEST_F(HttpsResumptionTest, AnotherLeafSeenByTlsCertEndsTheSessionTheSameLeafKeepsIt) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  // The lab leaf's own fingerprint, as tls_cert reports it (its SHA-256, in hex).
  const std::array<uint8_t, 32> digest = lab_leaf_sha256();
  ASSERT_NE(digest, (std::array<uint8_t, 32>{}));
  uint8_t bytes[32];
  std::copy(digest.begin(), digest.end(), bytes);
  const uint64_t lab_leaf = net::ResumptionStore::fingerprint(bytes);
  sessions_->observe(server_key(), lab_leaf);
  EXPECT_EQ(sessions_->size(), 1u) << "the same leaf: the session stays";
  sessions_->observe(server_key(), lab_leaf ^ 1);  // the server now sends another leaf
  EXPECT_EQ(sessions_->size(), 0u);
  serve();
  ProbeResult full = request();
  ASSERT_EQ(full.outcome, Outcome::kOk) << full.summary.c_str();
  EXPECT_EQ(tickets_->resumed, 0) << "no session was offered: a full handshake verified the chain";
  EXPECT_EQ(sessions_->size(), 1u);
}

TEST_F(HttpsResumptionTest, ARefusedTicketIsAFullHandshakeWhoseSessionReplacesTheOld) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  tickets_->accept = false;
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, 0);
  EXPECT_EQ(sessions_->size(), 1u);
  EXPECT_EQ(sessions_->hits(), 0u);
  tickets_->accept = true;
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, 1);
}

TEST_F(HttpsResumptionTest, AFailedHandshakeAfterAnOfferDropsTheSession) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  peer_.set_conversation(8443, [](std::string_view) { return Reply{"", Reply::Close::kRst}; });
  ProbeResult r = request();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(sessions_->size(), 0u);
  EXPECT_EQ(sessions_->drops(), 1u);
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, 0) << "nothing was left to offer";
}

TEST_F(HttpsResumptionTest, AFullHandshakeAtLeastEveryTenMinutes) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  clock_.advance_us(net::ResumptionStore::kMaxAgeMicros - 1'000'000);
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, 1);
  clock_.advance_us(2'000'000);  // past the bound since the full handshake
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, 1) << "too old: not offered";
  EXPECT_EQ(sessions_->size(), 1u) << "the full handshake's session is kept";
}

TEST_F(HttpsResumptionTest, AFullHandshakeAfterKMaxResumptions) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  for (int i = 0; i < net::ResumptionStore::kMaxResumptions; ++i) {
    serve();
    ASSERT_EQ(request().outcome, Outcome::kOk);
  }
  EXPECT_EQ(tickets_->resumed, net::ResumptionStore::kMaxResumptions);
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, net::ResumptionStore::kMaxResumptions) << "used up: a full handshake";
  serve();
  ASSERT_EQ(request().outcome, Outcome::kOk);
  EXPECT_EQ(tickets_->resumed, net::ResumptionStore::kMaxResumptions + 1) << "and a fresh session after it";
}

TEST_F(HttpsResumptionTest, AConfigAppliedMidRequestLeavesNothingToResume) {
  ASSERT_EQ(request().outcome, Outcome::kOk);
  sessions_->reset();  // a config applied: every session gone
  EXPECT_EQ(sessions_->size(), 0u);
  serve();
  HttpProbe probe;
  probe.start(config_->checks[0], ProbeEnv{&clock_, config_.get(), tls_.get(), nullptr, sessions_.get()});
  run_for_ms(1);
  sessions_->reset();  // another while this request's full handshake runs
  for (int i = 0; i < 5000 && probe.poll(clock_.now()) == Probe::Poll::kPending; ++i) run_for_ms(1);
  EXPECT_EQ(probe.result().outcome, Outcome::kOk);
  run_for_ms(20);
  EXPECT_EQ(tickets_->resumed, 0);
  EXPECT_EQ(sessions_->size(), 0u) << "a session begun under the old config is not kept";
}

TEST_F(HttpsResumptionTest, OnlyASessionWhoseChainTheHandshakeVerifiedIsKept) {
  // No anchors and no public roots: the request goes unverified, and nothing is kept
  // that a later request could resume as if it had been.
  ASSERT_TRUE(tls_->setup("").ok());
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"hostile.lab.test",)"
       R"("public_roots":false}])");
  ProbeResult r = request();
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.summary.c_str();
  EXPECT_EQ(sessions_->size(), 0u);
}

TEST_F(HttpsResumptionTest, ACertificateForAnotherNameIsNeverKept) {
  load(R"([{"id":"a","type":"http","url":"https://10.0.2.2:8443/testall","host_header":"api.lab.test"}])");
  ProbeResult r = request();
  EXPECT_EQ(r.outcome, Outcome::kCritical);
  EXPECT_EQ(sessions_->size(), 0u);
}

}  // namespace
}  // namespace probebox::test
