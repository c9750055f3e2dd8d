#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

constexpr const char* kTwoChecks = R"({
  "schema": 1,
  "device": { "name": "probe-01" },
  "checks": [
    { "id": "lb-cert", "type": "tls_cert", "host": "10.0.2.2", "port": 8443,
      "names": ["manage.lab.test", "root.lab.test"] },
    { "id": "mesh", "type": "tcp", "host": "10.0.2.2", "port": 7777 }
  ]
})";

std::unique_ptr<Config> parsed(const char* json) {
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  EXPECT_TRUE(parse_config(json, *config, errors).ok());
  return config;
}

// The copy takes only the rows, arena and list items in use (lazy tables): what
// it holds must still read back exactly, and stand on its own afterwards.
TEST(ConfigCopy, CopiesEveryRowStringAndListInUse) {
  auto original = parsed(kTwoChecks);
  auto copy = std::make_unique<Config>();
  *copy = *original;

  ASSERT_EQ(copy->check_count, 2);
  EXPECT_EQ(copy->text(copy->device_name), "probe-01");
  const CheckConfig* cert = copy->find_check("lb-cert");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->port, 8443);
  ASSERT_EQ(cert->names.count, 2);
  EXPECT_EQ(copy->text(copy->list_item(cert->names, 0)), "manage.lab.test");
  EXPECT_EQ(copy->text(copy->list_item(cert->names, 1)), "root.lab.test");
  ASSERT_NE(copy->find_check("mesh"), nullptr);
  EXPECT_EQ(copy->find_check("mesh")->port, 7777);

  // Reusing the original for another document leaves the copy as it was.
  ConfigErrors errors;
  original->reset();
  ASSERT_TRUE(parse_config(R"({"schema":1,"checks":[{"id":"x","type":"tcp","host":"10.0.2.2","port":1}]})",
                           *original, errors).ok());
  EXPECT_EQ(copy->check_count, 2);
  EXPECT_EQ(copy->text(copy->find_check("lb-cert")->id), "lb-cert");
}

TEST(ConfigCopy, ACopyOfALargerConfigReplacesEverything) {
  auto small = parsed(R"({"schema":1,"checks":[{"id":"only","type":"tcp","host":"10.0.2.2","port":1}]})");
  auto large = parsed(kTwoChecks);
  *large = *small;
  EXPECT_EQ(large->check_count, 1);
  EXPECT_EQ(large->find_check("lb-cert"), nullptr);
  EXPECT_NE(large->find_check("only"), nullptr);
  EXPECT_TRUE(large->text(large->device_name).empty());
}

}  // namespace
}  // namespace probebox
