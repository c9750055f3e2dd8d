// The password change through the API handler when flash refuses the new hash:
// the API answers an error and the first-boot session keeps its limits (before,
// it came out with full rights while the box still had no admin password).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_boot.h"
#include "config/config_parser.h"
#include "monitor/health_model.h"
#include "fake_clock.h"
#include "fake_entropy.h"
#include "net/tls_memory.h"
#include "web/api_handler.h"
#include "web/http_request.h"

namespace probebox {
namespace {

class RefusingFlash final : public ApiActions {
 public:
  Status apply_uploaded_config(ConfigErrors&, bool&) override {
    ++configs_applied;
    return Status();
  }
  bool run_check(std::string_view) override { return true; }
  Status store_credentials(const AdminCredentials&) override { return StatusCode::kUnavailable; }
  int configs_applied = 0;
};

class PasswordStoreFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    net::tls_memory_init();
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(kFactoryConfig, *config_, errors).ok());
    text_ = kFactoryConfig;
    api_.set_actions(&actions_);
    api_.auth().begin(entropy_, nullptr, "abcd-efgh-jkmn");
  }

  // A request as the server would hand it over (parsed from the wire form).
  int call(const std::string& method, const std::string& path, const std::string& body, std::string* out = nullptr) {
    std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!cookie_.empty()) head += "Cookie: pb_session=" + cookie_ + "\r\nX-CSRF-Token: " + csrf_ + "\r\n";
    if (!body.empty()) head += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    head += "\r\n";
    HttpRequest request;
    EXPECT_TRUE(parse_request_head(head, request).ok()) << head;
    request.body = body;
    request.remote_ipv4 = 0x7F000001;
    response_text_.clear();
    HttpResponse response(response_text_);
    api_.handle(request, response);
    // As the server does: a pending answer (a password check in slices) is asked again.
    for (int polls = 0; response.pending && polls < 1000; ++polls) {
      uint32_t ticket = response.ticket;
      response.reset();
      response.ticket = ticket;
      api_.handle(request, response);
    }
    if (out != nullptr) *out = std::string(response_text_.view());
    last_headers_ = std::string(response.headers.view());
    return response.status;
  }

  static std::string field(const std::string& json, const std::string& name) {
    size_t at = json.find("\"" + name + "\":\"");
    if (at == std::string::npos) return "";
    at += name.size() + 4;
    return json.substr(at, json.find('"', at) - at);
  }

  void log_in() {
    std::string body;
    ASSERT_EQ(call("POST", "/api/login", R"({"password":"abcd-efgh-jkmn"})", &body), 200);
    size_t at = last_headers_.find("pb_session=");
    ASSERT_NE(at, std::string::npos);
    cookie_ = last_headers_.substr(at + 11, 64);
    csrf_ = field(body, "csrf");
  }

  hal::FakeClock clock_;
  hal::FakeEntropy entropy_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::string_view text_;
  HealthModel health_;
  ApiHandler api_{*config_, text_, health_, clock_};
  RefusingFlash actions_;
  FixedText<4096> response_text_;
  std::string last_headers_, cookie_, csrf_;
};

TEST_F(PasswordStoreFailure, TheFirstBootSessionStaysLimitedAndTheApiSaysSo) {
  log_in();
  std::string body;
  EXPECT_EQ(call("POST", "/api/password", R"({"current":"abcd-efgh-jkmn","new":"a-long-enough-one"})", &body), 500)
      << body;
  // The attacker's next move with the same session: change the config.
  EXPECT_EQ(call("PUT", "/api/config", R"({"schema":1})", &body), 403) << body;
  EXPECT_EQ(actions_.configs_applied, 0);
  ASSERT_EQ(call("GET", "/api/session", "", &body), 200);
  EXPECT_NE(body.find("\"must_change_password\":true"), std::string::npos) << body;
  EXPECT_NE(body.find("\"first_boot\":true"), std::string::npos) << body;
  // The new password was never stored, so it does not log in; the first-boot one still does.
  cookie_.clear();
  EXPECT_EQ(call("POST", "/api/login", R"({"password":"a-long-enough-one"})"), 401);
  EXPECT_EQ(call("POST", "/api/login", R"({"password":"abcd-efgh-jkmn"})"), 200);
}

}  // namespace
}  // namespace probebox
