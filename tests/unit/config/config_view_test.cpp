#include "config/config_view.h"

#include <gtest/gtest.h>

#include "config/config_errors.h"

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

namespace probebox {
namespace {

TEST(ConfigView, PlaceholdersTakeTheStoredSecretsMatchedByCheckId) {
  std::string stored = R"({"checks":[{"id":"a","type":"smtp","password":"pa"},{"id":"b","type":"smtp","password":"pb"}],)"
                       R"("appliance":{"health_api_key":"k\"ey"}})";
  // Reordered checks, one new secret typed in, the rest left as the placeholder.
  std::string incoming = R"({"checks":[{"id":"b","type":"smtp","password":"********"},)"
                         R"({"id":"a","type":"smtp","password":"new"}],"appliance":{"health_api_key":"********"}})";
  FixedText<1024> out;
  ConfigErrors errors;
  ASSERT_TRUE(restore_secrets(incoming, stored, out, errors).ok());
  EXPECT_EQ(out.view(), R"({"checks":[{"id":"b","type":"smtp","password":"pb"},)"
                        R"({"id":"a","type":"smtp","password":"new"}],"appliance":{"health_api_key":"k\"ey"}})");
}

TEST(ConfigView, APlaceholderWithNothingStoredIsAnError) {
  FixedText<1024> out;
  ConfigErrors errors;
  EXPECT_FALSE(restore_secrets(R"({"checks":[{"id":"c","password":"********"}]})", R"({"checks":[]})", out, errors).ok());
  ASSERT_EQ(errors.count(), 1u);
  EXPECT_EQ(errors.at(0).path.view(), "checks[id=c].password");
}

}  // namespace
}  // namespace probebox
