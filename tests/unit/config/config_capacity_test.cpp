// What real configs need of the config model's fixed stores (the arena and the list
// items), against the sizes the target is built with (core/limits.h): the demo
// profile, a full appliance, and 128 typed checks with realistic names in a document
// near the 64 KiB limit must all load on the target.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

struct Use {
  size_t arena = 0, items = 0, checks = 0, text = 0;
};

// The box reads its config in place (parse_config_in_place(): the stored slot in
// flash), so the arena holds only escaped strings and what the appliance profile
// builds: that is what the target's arena is sized for. The copying parse's use is
// printed beside it.
Use use_of(const std::string& doc) {
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  Status s = parse_config_in_place(doc, *config, errors);
  EXPECT_TRUE(s.ok()) << (errors.count() > 0 ? std::string(errors.at(0).path.view()) + ": " +
                                                   std::string(errors.at(0).message.view())
                                             : std::string());
  Use u{config->arena_used(), config->list_items_used(), config->check_count, doc.size()};
  auto copied = std::make_unique<Config>();
  EXPECT_TRUE(parse_config(doc, *copied, errors).ok());
  std::printf("config of %zu bytes: %zu checks, arena %zu bytes read in place (%zu copied), %zu list items\n", u.text,
              u.checks, u.arena, copied->arena_used(), u.items);
  return u;
}

void expect_fits_target(const Use& u) {
  EXPECT_LE(u.arena, static_cast<size_t>(PROBEBOX_TARGET_CONFIG_ARENA_BYTES));
  EXPECT_LE(u.items, 4u * PROBEBOX_TARGET_MAX_CHECKS + 64u);
  EXPECT_LE(u.checks, static_cast<size_t>(PROBEBOX_TARGET_MAX_CHECKS));
}

TEST(ConfigCapacity, DemoProfileFitsTheTarget) {
  std::ifstream in(std::string(PROBEBOX_TEST_DATA) + "/../lab/demo-config.json");
  std::ostringstream ss;
  ss << in.rdbuf();
  ASSERT_FALSE(ss.str().empty());
  expect_fits_target(use_of(ss.str()));
}

// A production appliance: three nodes, every name, egress, the other environment,
// mail and SNMP, a private root in trust_anchors_pem, and typed checks beside it
// up to 128 in all.
TEST(ConfigCapacity, FullApplianceOf128ChecksFitsTheTarget) {
  std::string pem = "-----BEGIN CERTIFICATE-----\\n";
  for (int line = 0; line < 24; ++line) pem += std::string(64, 'A') + "\\n";  // a 2 KiB root
  pem += "-----END CERTIFICATE-----\\n";
  std::string doc = R"({"schema":1,
    "device":{"name":"probe-eu-west-1a","location":"rack 12, Frankfurt DC2"},
    "network":{"mode":"dhcp","dns":["192.0.2.53","192.0.2.54"],"ntp":["192.0.2.123","198.51.100.123"]},
    "trust_anchors_pem":")" + pem + R"(",
    "alerts":{"mail":{"to":["ops-oncall@example.com","platform-team@example.com"],"from":"probe-eu-west-1a@example.com",
              "server":"smtp-relay.example.com"},
              "syslog":{"server":"192.0.2.514:514"}},
    "appliance":{"name":"prod-euwest1","load_balancer":"192.0.2.10",
      "nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],
      "domain_names":{"dashboard":"manage.eu-west-1.example.com","root_tenant_authority":"rta.eu-west-1.example.com",
        "webtask":"webtask.eu-west-1.example.com",
        "app_tenants":["tenant-one.eu-west-1.example.com","tenant-two.eu-west-1.example.com"]},
      "ports":{"https":443,"http":80,"mesh":[7777,27017,8721,8701]},
      "resolvers":["192.0.2.53"],"ntp":["192.0.2.123"],
      "health_api_key":"0123456789abcdef0123456789abcdef",
      "egress":["cdn.auth0.com","apt-mirror.it.auth0.com"],
      "isolated_from":["198.51.100.20:443"]},
    "checks":[)";
  auto partial = std::make_unique<Config>();
  ConfigErrors errors;
  ASSERT_TRUE(parse_config(doc + "]}", *partial, errors).ok()) << errors.at(0).path.view() << ": " << errors.at(0).message.view();
  int generated = partial->check_count;
  for (int i = 0; generated + i < PROBEBOX_TARGET_MAX_CHECKS; ++i) {
    char row[400];
    std::snprintf(row, sizeof(row),
                  R"(%s{"id":"customer-portal-%03d","type":"http","url":"https://portal-%03d.customers.example.com/healthz?deep=1",)"
                  R"("expect_status":[200,204],"expect_body":"\"status\":\"ok\""})",
                  i == 0 ? "" : ",", i, i);
    doc += row;
  }
  doc += "]}";
  Use u = use_of(doc);
  EXPECT_EQ(u.checks, static_cast<size_t>(PROBEBOX_TARGET_MAX_CHECKS));
  expect_fits_target(u);
}

// 128 typed checks in a document near the 64 KiB limit: every kind, long names.
TEST(ConfigCapacity, LargestTypedDocumentFitsTheTarget) {
  std::string doc = R"({"schema":1,"checks":[)";
  for (int i = 0; i < PROBEBOX_TARGET_MAX_CHECKS; ++i) {
    char row[600];
    const char* sep = i == 0 ? "" : ",";
    switch (i % 4) {
      case 0:
        std::snprintf(row, sizeof(row),
                      R"(%s{"id":"web-frontend-%03d","type":"http","url":"https://frontend-%03d.services.example.com/status/health?full=1",)"
                      R"("host_header":"frontend-%03d.services.example.com","expect_status":[200],"expect_body":"healthy",)"
                      R"("interval_s":60,"timeout_ms":5000,"confirm":3})",
                      sep, i, i, i);
        break;
      case 1:
        std::snprintf(row, sizeof(row),
                      R"(%s{"id":"tls-expiry-%03d","type":"tls_cert","host":"api-%03d.services.example.com","port":443,)"
                      R"("names":["api-%03d.services.example.com","www.api-%03d.services.example.com"],"cert_warn_days":21})",
                      sep, i, i, i, i);
        break;
      case 2:
        std::snprintf(row, sizeof(row),
                      R"(%s{"id":"dns-record-%03d","type":"dns","server":"192.0.2.53","name":"service-%03d.services.example.com",)"
                      R"("expect_addresses":["192.0.2.%d","198.51.100.%d"]})",
                      sep, i, i, i % 250 + 1, i % 250 + 1);
        break;
      default:
        std::snprintf(row, sizeof(row),
                      R"(%s{"id":"database-port-%03d","type":"tcp","host":"db-%03d.internal.example.com","port":5432,"timeout_ms":2000})",
                      sep, i, i);
        break;
    }
    doc += row;
  }
  doc += "]}";
  Use u = use_of(doc);
  EXPECT_EQ(u.checks, static_cast<size_t>(PROBEBOX_TARGET_MAX_CHECKS));
  EXPECT_LE(u.text, static_cast<size_t>(PROBEBOX_MAX_CONFIG_BYTES));
  expect_fits_target(u);
}

}  // namespace
}  // namespace probebox
