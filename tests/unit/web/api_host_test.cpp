// The API's DNS-rebinding guard: Host must name the box (its address on that
// connection, a loopback form for a port forward, or its configured device name)
// and an Origin, when sent, must be that same host.
#include <gtest/gtest.h>

#include <memory>

#include "config/config_parser.h"
#include "fake_clock.h"
#include "web/api_handler.h"

namespace probebox {
namespace {

class ApiHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"({"schema":1,"device":{"name":"probe-01"}})", *config_, errors).ok());
    health_->load(*config_, clock_);
    api_ = std::make_unique<ApiHandler>(*config_, text_, *health_, clock_);
  }
  bool allowed(const char* host, const char* origin = nullptr) {
    HttpRequest r;
    r.local_ipv4 = 0x0A00020F;  // 10.0.2.15
    if (host != nullptr) {
      r.has_host = true;
      r.host = host;
    }
    if (origin != nullptr) {
      r.has_origin = true;
      r.origin = origin;
    }
    return api_->host_allowed(r);
  }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
  std::string_view text_;
  std::unique_ptr<ApiHandler> api_;
};

TEST_F(ApiHostTest, AcceptsTheBoxsOwnNames) {
  EXPECT_TRUE(allowed("10.0.2.15"));
  EXPECT_TRUE(allowed("10.0.2.15:80"));
  EXPECT_TRUE(allowed("127.0.0.1:8080"));  // the simulator's port forward
  EXPECT_TRUE(allowed("localhost:8080"));
  EXPECT_TRUE(allowed("[::1]:8080"));
  EXPECT_TRUE(allowed("probe-01"));
  EXPECT_TRUE(allowed("PROBE-01:80"));
  EXPECT_TRUE(allowed("127.0.0.1:8080", "http://127.0.0.1:8080"));
  EXPECT_TRUE(allowed("10.0.2.15", "https://10.0.2.15"));
}

TEST_F(ApiHostTest, RefusesARebindingPageAndForeignOrigins) {
  EXPECT_FALSE(allowed(nullptr));
  EXPECT_FALSE(allowed(""));
  EXPECT_FALSE(allowed("evil.example"));                  // a name rebound to the box's address
  EXPECT_FALSE(allowed("evil.example:8080"));
  EXPECT_FALSE(allowed("probe-01.evil.example"));
  EXPECT_FALSE(allowed("10.0.2.16"));                     // another address
  EXPECT_FALSE(allowed("10.0.2.15:http"));
  EXPECT_FALSE(allowed("127.0.0.1:8080", "http://evil.example"));
  EXPECT_FALSE(allowed("127.0.0.1:8080", "http://127.0.0.1:9999"));
  EXPECT_FALSE(allowed("127.0.0.1:8080", "null"));
  EXPECT_FALSE(allowed("127.0.0.1:8080", ""));
  EXPECT_FALSE(allowed("1.2.3.4.5"));
  EXPECT_FALSE(allowed("256.0.0.1"));
}

}  // namespace
}  // namespace probebox
