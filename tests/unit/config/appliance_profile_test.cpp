#include "config/appliance_profile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <memory>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

constexpr const char* kProfile = R"({"schema":1,
  "checks":[{"id":"prod.node1.7777","type":"tcp","host":"10.0.2.2","port":17777}],
  "appliance":{"name":"prod","load_balancer":"10.0.2.2","nodes":["10.0.2.2"],
    "domain_names":{"dashboard":"manage.lab.test","root_tenant_authority":"rta.lab.test",
                    "webtask":"webtask.lab.test","app_tenants":["app1.lab.test"]},
    "ports":{"https":8443,"http":18080,"mesh":[7777,27017,8721,8701]},
    "resolvers":["10.0.2.2:15353"],
    "smtp":{"host":"10.0.2.2","port":2525,"username":"probe","password":"secret"},
    "ntp":["10.0.2.2:12300"],
    "egress":["10.0.2.2:18443"],
    "isolated_from":["10.0.2.2:19443"]}})";

struct Loaded {
  std::unique_ptr<Config> config = std::make_unique<Config>();
  ConfigErrors errors;
  Status status;
};

std::unique_ptr<Loaded> load(const std::string& json) {
  auto l = std::make_unique<Loaded>();
  l->status = parse_config(json, *l->config, l->errors);
  return l;
}

TEST(ApplianceProfile, ExpandsIntoTheChecksOfTheCatalogue) {
  auto l = load(kProfile);
  ASSERT_TRUE(l->status.ok()) << l->errors.at(0).path.c_str() << ": " << l->errors.at(0).message.c_str();
  const Config& c = *l->config;
  // 1 explicit + 4 certs + 4 dns + 4 mesh (one overridden) + node testall + lb 443 + lb testall
  // + smtp + ntp + egress + isolation.
  EXPECT_EQ(c.check_count, 1 + 4 + 4 + 3 + 1 + 1 + 1 + 1 + 1 + 1 + 1);

  const CheckConfig* cert = c.find_check("prod.cert.manage");
  ASSERT_NE(cert, nullptr);
  EXPECT_TRUE(cert->generated);
  EXPECT_EQ(cert->port, 8443);
  EXPECT_EQ(c.text(cert->server_name), "manage.lab.test");
  const CheckConfig* cert2 = c.find_check("prod.cert.rta");
  ASSERT_NE(cert2, nullptr);
  ASSERT_EQ(cert2->same_cert_as.count, 1);
  EXPECT_EQ(c.text(c.list_item(cert2->same_cert_as, 0)), "prod.cert.manage");

  const CheckConfig* dns = c.find_check("prod.dns.app1");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(c.text(dns->host), "10.0.2.2");
  EXPECT_EQ(dns->port, 15353);
  EXPECT_EQ(c.text(dns->name), "app1.lab.test");
  ASSERT_EQ(dns->expect_addresses.count, 1);

  const CheckConfig* overridden = c.find_check("prod.node1.7777");
  ASSERT_NE(overridden, nullptr);
  EXPECT_FALSE(overridden->generated);
  EXPECT_EQ(overridden->port, 17777);
  EXPECT_EQ(c.find_check("prod.node1.27017")->port, 27017);

  EXPECT_EQ(c.text(c.find_check("prod.node1.testall")->url), "http://10.0.2.2:18080/testall");
  EXPECT_EQ(c.text(c.find_check("prod.lb.testall")->host_header), "manage.lab.test");
  EXPECT_EQ(c.find_check("prod.lb.443")->port, 8443);
  EXPECT_EQ(c.find_check("prod.smtp")->port, 2525);
  EXPECT_EQ(c.find_check("prod.ntp")->port, 12300);
  EXPECT_EQ(c.find_check("prod.egress.10")->group, Group::kEgress);
  const CheckConfig* iso = c.find_check("prod.isolation-1");
  ASSERT_NE(iso, nullptr);
  EXPECT_EQ(iso->expect, ExpectPort::kClosed);
  EXPECT_EQ(iso->group, Group::kIsolation);
  EXPECT_EQ(c.warning_count, 0);
}

TEST(ApplianceProfile, HealthApiKeyAddsAuthenticatedEndpoints) {
  std::string doc = kProfile;
  doc.replace(doc.find("\"egress\""), 0, "\"health_api_key\":\"k\",");
  auto l = load(doc);
  ASSERT_TRUE(l->status.ok());
  const CheckConfig* h = l->config->find_check("prod.node1.health.services");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(l->config->text(h->basic_user), "api_keys_health");
  // The key only over HTTPS, held to the dashboard's name (spec/checks.md).
  EXPECT_EQ(l->config->text(h->url), "https://10.0.2.2:8443/health/status/services");
  EXPECT_EQ(l->config->text(h->host_header), "manage.lab.test");
  EXPECT_EQ(h->expect_status[0], 204);
  EXPECT_EQ(h->warn_status_count, 2);
}

TEST(ApplianceProfile, DnsPlanIsLintedAsWarningsNotErrors) {
  auto l = load(R"({"schema":1,"appliance":{"name":"dev","domain_names":{
      "dashboard":"manage.lab.test","root_tenant_authority":"my_rta.lab.test","webtask":"wt.lab.test",
      "app_tenants":["login.lab.test","app1.other.test"]}}})");
  ASSERT_TRUE(l->status.ok());
  const Config& c = *l->config;
  auto has = [&](std::string_view path, std::string_view fragment) {
    for (uint16_t i = 0; i < c.warning_count; ++i) {
      if (path == c.warnings[i].path && std::string_view(c.warnings[i].message).find(fragment) != std::string_view::npos)
        return true;
    }
    return false;
  };
  EXPECT_TRUE(has("appliance.domain_names.root_tenant_authority", "underscores"));
  EXPECT_TRUE(has("appliance.domain_names.webtask", "at least 3"));
  EXPECT_TRUE(has("appliance.domain_names.app_tenants[0]", "reserved"));
  EXPECT_TRUE(has("appliance.domain_names.app_tenants[1]", "same parent domain"));
  EXPECT_EQ(c.warning_count, 4);
}

TEST(ApplianceProfile, TwoNodesAreNotACluster) {
  auto warnings_for = [](const char* nodes) {
    std::string doc = std::string(R"({"schema":1,"appliance":{"name":"prod","load_balancer":"10.0.2.2","nodes":)") +
                      nodes + R"(,"domain_names":{"dashboard":"manage.lab.test","root_tenant_authority":"rta.lab.test",)"
                      R"("webtask":"webtask.lab.test","app_tenants":["app1.lab.test"]}}})";
    auto l = load(doc.c_str());
    EXPECT_TRUE(l->status.ok());
    std::vector<std::string> out;
    for (uint16_t i = 0; i < l->config->warning_count; ++i) {
      out.push_back(std::string(l->config->warnings[i].path) + ": " + l->config->warnings[i].message);
    }
    return out;
  };
  EXPECT_TRUE(warnings_for(R"(["10.0.2.2"])").empty());
  EXPECT_TRUE(warnings_for(R"(["10.0.2.2","10.0.2.3","10.0.2.4"])").empty());
  auto two = warnings_for(R"(["10.0.2.2","10.0.2.3"])");
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0], "appliance.nodes: a cluster needs at least three nodes (two given)");
}

TEST(ApplianceProfile, ReservedNames) {
  EXPECT_TRUE(is_reserved_app_tenant_name("login"));
  EXPECT_TRUE(is_reserved_app_tenant_name("API"));
  EXPECT_FALSE(is_reserved_app_tenant_name("app1"));
}

}  // namespace
}  // namespace probebox
