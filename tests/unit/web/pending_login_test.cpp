// A login against a stored password through the API handler, as the HTTP server
// drives it: the check runs a slice per call (one main-loop step), the request
// stays pending meanwhile, other requests (/healthz) are answered between slices,
// only one check runs box-wide, and a client that leaves releases it. Before, the
// whole PBKDF2 ran inside one handle() call (one step of 10,000 HMACs).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_boot.h"
#include "config/config_parser.h"
#include "fake_clock.h"
#include "fake_entropy.h"
#include "monitor/health_model.h"
#include "net/tls_memory.h"
#include "web/api_handler.h"
#include "web/http_request.h"

namespace probebox {
namespace {

constexpr char kPassword[] = "the-admins-password";

class PendingLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    net::tls_memory_init();
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(kFactoryConfig, *config_, errors).ok());
    text_ = kFactoryConfig;
    AdminCredentials stored;
    stored.iterations = AdminAuth::kIterations;
    stored.salt.fill(0x5C);
    ASSERT_TRUE(derive_password_hash(kPassword, stored, stored.hash));
    api_.auth().begin(entropy_, &stored, "");
  }

  struct Answer {
    int status = 0;
    bool pending = false;
    uint32_t ticket = 0;
    std::string body, headers;
  };

  // One handle() call as the server makes it; `ticket` is what it carries between calls.
  Answer call(const std::string& method, const std::string& path, const std::string& body, uint32_t ticket = 0,
              uint32_t ip = 0x7F000001) {
    std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.empty()) head += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    head += "\r\n";
    HttpRequest request;
    EXPECT_TRUE(parse_request_head(head, request).ok()) << head;
    request.body = body;
    request.remote_ipv4 = ip;
    text_out_.clear();
    HttpResponse response(text_out_);
    response.ticket = ticket;
    api_.handle(request, response);
    return {response.status, response.pending, response.ticket, std::string(text_out_.view()),
            std::string(response.headers.view())};
  }

  static std::string login_body(const char* password) { return std::string(R"({"password":")") + password + "\"}"; }

  // Drives a pending login to its verdict, a /healthz between every slice.
  Answer finish(Answer a, const std::string& body, int& slices, int& healthz_ok) {
    while (a.pending && slices < 1000) {
      ++slices;
      clock_.advance_ms(1);
      if (call("GET", "/healthz", "").status == 200) ++healthz_ok;
      a = call("POST", "/api/login", body, a.ticket);
    }
    return a;
  }

  hal::FakeClock clock_;
  hal::FakeEntropy entropy_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::string_view text_;
  HealthModel health_;
  ApiHandler api_{*config_, text_, health_, clock_};
  FixedText<4096> text_out_;
};

TEST_F(PendingLogin, TheCheckRunsInSlicesWhileHealthzIsServed) {
  const std::string body = login_body(kPassword);
  Answer a = call("POST", "/api/login", body);
  ASSERT_TRUE(a.pending);
  ASSERT_NE(a.ticket, 0u);
  EXPECT_TRUE(api_.auth().check_in_flight());
  int slices = 0, healthz_ok = 0;
  a = finish(a, body, slices, healthz_ok);
  ASSERT_FALSE(a.pending);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.headers.find("pb_session="), std::string::npos);
  // 10,000 HMACs, at most kIterationsPerSlice per call.
  EXPECT_GE(slices, static_cast<int>(AdminAuth::kIterations / AdminAuth::kIterationsPerSlice));
  EXPECT_EQ(healthz_ok, slices);
  EXPECT_FALSE(api_.auth().check_in_flight());
}

TEST_F(PendingLogin, AWrongPasswordIsRefusedAfterItsCheck) {
  const std::string body = login_body("not-the-password");
  Answer a = call("POST", "/api/login", body);
  ASSERT_TRUE(a.pending);
  int slices = 0, healthz_ok = 0;
  a = finish(a, body, slices, healthz_ok);
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_GT(slices, 100);
  EXPECT_EQ(a.headers.find("pb_session="), std::string::npos);
}

TEST_F(PendingLogin, OneCheckAtATimeTheSecondWaitsWithoutSpendingBudget) {
  const std::string right = login_body(kPassword);
  Answer first = call("POST", "/api/login", login_body("wrong-guess-1"), 0, 0x0A000001);
  ASSERT_TRUE(first.pending);
  int budget_during = api_.auth().budget(clock_.now());
  Answer second = call("POST", "/api/login", right, 0, 0x0A000002);
  EXPECT_TRUE(second.pending);
  EXPECT_EQ(second.ticket, 0u);  // queued: no check of its own yet
  EXPECT_EQ(api_.auth().budget(clock_.now()), budget_during);
  int slices = 0, healthz_ok = 0;
  first = finish(first, login_body("wrong-guess-1"), slices, healthz_ok);
  EXPECT_EQ(first.status, 401);
  // Its turn now: the queued request, asked again, starts its own check.
  second = call("POST", "/api/login", right, 0, 0x0A000002);
  ASSERT_TRUE(second.pending);
  ASSERT_NE(second.ticket, 0u);
  second = finish(second, right, slices, healthz_ok);
  EXPECT_EQ(second.status, 200) << second.body;
}

TEST_F(PendingLogin, AClientThatLeavesReleasesTheCheck) {
  Answer gone = call("POST", "/api/login", login_body("someone-who-leaves"), 0, 0x0A000003);
  ASSERT_TRUE(gone.pending);
  call("POST", "/api/login", login_body("x"), gone.ticket, 0x0A000003);  // one slice
  api_.abandon(gone.ticket);
  EXPECT_FALSE(api_.auth().check_in_flight());
  // A stale ticket gets no verdict.
  EXPECT_EQ(call("POST", "/api/login", login_body("x"), gone.ticket, 0x0A000003).status, 429);
  const std::string right = login_body(kPassword);
  Answer next = call("POST", "/api/login", right);
  ASSERT_TRUE(next.pending);
  EXPECT_NE(next.ticket, 0u);  // started at once
  int slices = 0, healthz_ok = 0;
  EXPECT_EQ(finish(next, right, slices, healthz_ok).status, 200);
}

TEST_F(PendingLogin, APasswordChangeChecksAndHashesInSlicesToo) {
  const std::string right = login_body(kPassword);
  int slices = 0, healthz_ok = 0;
  Answer a = finish(call("POST", "/api/login", right), right, slices, healthz_ok);
  ASSERT_EQ(a.status, 200);
  std::string cookie = a.headers.substr(a.headers.find("pb_session=") + 11, 64);
  std::string csrf = a.body.substr(a.body.find("\"csrf\":\"") + 8, 32);
  const std::string body = R"({"current":")" + std::string(kPassword) + R"(","new":"a-brand-new-password"})";
  auto change = [&](uint32_t ticket) {
    std::string head = "POST /api/password HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: pb_session=" + cookie +
                       "\r\nX-CSRF-Token: " + csrf + "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    HttpRequest request;
    EXPECT_TRUE(parse_request_head(head, request).ok());
    request.body = body;
    request.remote_ipv4 = 0x7F000001;
    text_out_.clear();
    HttpResponse response(text_out_);
    response.ticket = ticket;
    api_.handle(request, response);
    return Answer{response.status, response.pending, response.ticket, std::string(text_out_.view()), ""};
  };
  Answer c = change(0);
  int change_slices = 0;
  while (c.pending && change_slices < 1000) {
    ++change_slices;
    EXPECT_EQ(call("GET", "/healthz", "").status, 200);
    c = change(c.ticket);
  }
  ASSERT_FALSE(c.pending);
  // No store in this test (no ApiActions): the API answers 500 and nothing changes,
  // but only after both hashes ran in slices: the current one, then the new one.
  EXPECT_EQ(c.status, 500) << c.body;
  EXPECT_GE(change_slices, 2 * static_cast<int>(AdminAuth::kIterations / AdminAuth::kIterationsPerSlice));
  EXPECT_FALSE(api_.auth().check_in_flight());
}

}  // namespace
}  // namespace probebox
