#include "config/config_view.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(ConfigView, SecretsAreMaskedAndEverythingElseKept) {
  FixedText<512> out;
  ASSERT_TRUE(write_masked_config(R"({"schema":1, "checks":[{"id":"smtp","password": "s3cr\"et"}],
      "appliance":{"health_api_key":"k","smtp":{"password":"p"}},"note":"password"})",
                                  out)
                  .ok());
  EXPECT_EQ(out.view(), R"({"schema":1, "checks":[{"id":"smtp","password": "********"}],
      "appliance":{"health_api_key":"********","smtp":{"password":"********"}},"note":"password"})");
  EXPECT_EQ(out.view().find("s3cr"), std::string_view::npos);
}

}  // namespace
}  // namespace probebox
