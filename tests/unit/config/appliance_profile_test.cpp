#include "config/appliance_profile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <memory>
#include <string>
#include <vector>

#include "config/config_parser.h"
#include "protocols/http_response.h"

namespace probebox {
namespace {

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

std::string list(const Config& c, ListRef l) {
  std::string out = "[";
  for (uint16_t i = 0; i < l.count; ++i) {
    if (i > 0) out += ",";
    out += c.text(c.list_item(l, i));
  }
  return out + "]";
}

// One line per check: id, type, target, port, Host/SNI and what the kind adds.
std::string describe(const Config& c, const CheckConfig& k) {
  std::string s = std::string(c.text(k.id)) + " " + std::string(check_type_name(k.type)) + " ";
  switch (k.type) {
    case CheckType::kTcp:
      s += std::string(c.text(k.host)) + ":" + std::to_string(k.port);
      s += k.expect == ExpectPort::kOpen ? " open" : k.expect == ExpectPort::kClosed ? " closed" : " unreachable";
      break;
    case CheckType::kTlsCert:
      s += std::string(c.text(k.host)) + ":" + std::to_string(k.port) + " sni=" + std::string(c.text(k.server_name));
      s += " names=" + list(c, k.names) + " same=" + list(c, k.same_cert_as);
      s += " distinct=" + std::to_string(k.distinct_from_sha256.count);
      if (k.trust_only) s += " trust-only";
      break;
    case CheckType::kHttp:
      s += std::string(c.text(k.url)) + " host=" + std::string(c.text(k.host_header));
      if (k.expect_https_redirect) s += " https-redirect";
      if (!k.basic_user.empty()) s += " auth=" + std::string(c.text(k.basic_user));
      break;
    case CheckType::kDns:
      s += std::string(c.text(k.host)) + ":" + std::to_string(k.port) + " " + std::string(c.text(k.name)) +
           " expect=" + list(c, k.expect_addresses);
      break;
    case CheckType::kSmtp:
      s += std::string(c.text(k.host)) + ":" + std::to_string(k.port) + " sni=" + std::string(c.text(k.server_name));
      break;
    case CheckType::kNtp:
      s += std::string(c.text(k.host)) + ":" + std::to_string(k.port);
      break;
  }
  s += " group=" + std::string(group_name(k.group));
  if (k.generated) s += " generated";
  return s;
}

std::vector<std::string> describe_all(const Config& c) {
  std::vector<std::string> out;
  for (uint16_t i = 0; i < c.check_count; ++i) out.push_back(describe(c, c.checks[i]));
  return out;
}

#define ASSERT_LOADED(l) \
  ASSERT_TRUE((l)->status.ok()) << (l)->errors.at(0).path.c_str() << ": " << (l)->errors.at(0).message.c_str()

constexpr const char* kNames =
    R"("domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
                       "webtask":"webtask.example.com","app_tenants":["app1.example.com"]})";

// issue 19's minimal profile: load balancer, one node, the four names, network.dns
// and network.ntp. Every row of spec/checks.md's table it implies, with the
// appliance's documented ports, and nothing else.
TEST(ApplianceProfile, MinimalProfileExpandsExactlyToTheSpecTable) {
  auto l = load(std::string(R"({"schema":1,
      "network":{"mode":"dhcp","dns":["192.0.2.53"],"ntp":["192.0.2.123"]},
      "appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11"],)") +
                kNames + "}}");
  ASSERT_LOADED(l);
  const std::string names = "[manage.example.com,rta.example.com,webtask.example.com,app1.example.com]";
  const std::string cert = " names=" + names;
  const std::vector<std::string> want = {
      // certificates: every name on the load balancer, then on the node; one set,
      // held to the first node's
      "prod.cert.manage tls_cert 192.0.2.10:443 sni=manage.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.cert.rta tls_cert 192.0.2.10:443 sni=rta.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.cert.webtask tls_cert 192.0.2.10:443 sni=webtask.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.cert.app1 tls_cert 192.0.2.10:443 sni=app1.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.node1.cert.manage tls_cert 192.0.2.11:443 sni=manage.example.com" + cert + " same=[] distinct=0 group=cert generated",
      "prod.node1.cert.rta tls_cert 192.0.2.11:443 sni=rta.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.node1.cert.webtask tls_cert 192.0.2.11:443 sni=webtask.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      "prod.node1.cert.app1 tls_cert 192.0.2.11:443 sni=app1.example.com" + cert + " same=[prod.node1.cert.manage] distinct=0 group=cert generated",
      // HTTPS only, every name on the load balancer's plain-HTTP port
      "prod.https-only.manage http http://192.0.2.10/ host=manage.example.com https-redirect group=health generated",
      "prod.https-only.rta http http://192.0.2.10/ host=rta.example.com https-redirect group=health generated",
      "prod.https-only.webtask http http://192.0.2.10/ host=webtask.example.com https-redirect group=health generated",
      "prod.https-only.app1 http http://192.0.2.10/ host=app1.example.com https-redirect group=health generated",
      // DNS: every name at network.dns, expecting the load balancer
      "prod.dns.manage dns 192.0.2.53:53 manage.example.com expect=[192.0.2.10] group=dns generated",
      "prod.dns.rta dns 192.0.2.53:53 rta.example.com expect=[192.0.2.10] group=dns generated",
      "prod.dns.webtask dns 192.0.2.53:53 webtask.example.com expect=[192.0.2.10] group=dns generated",
      "prod.dns.app1 dns 192.0.2.53:53 app1.example.com expect=[192.0.2.10] group=dns generated",
      // ports: the mesh on the node, 443 on the load balancer
      "prod.node1.7777 tcp 192.0.2.11:7777 open group=ports generated",
      "prod.node1.27017 tcp 192.0.2.11:27017 open group=ports generated",
      "prod.node1.8721 tcp 192.0.2.11:8721 open group=ports generated",
      "prod.node1.8701 tcp 192.0.2.11:8701 open group=ports generated",
      "prod.lb.443 tcp 192.0.2.10:443 open group=ports generated",
      // health: /testall over HTTPS with the dashboard as Host and SNI
      "prod.node1.testall http https://192.0.2.11/testall host=manage.example.com group=health generated",
      "prod.lb.testall http https://192.0.2.10/testall host=manage.example.com group=health generated",
      // time: network.ntp
      "prod.ntp ntp 192.0.2.123:123 group=time generated",
      // egress: Auth0's hosts, trust judged, not the appliance's own rules
      "prod.egress.cdn tls_cert cdn.auth0.com:443 sni=cdn.auth0.com names=[cdn.auth0.com] same=[] distinct=0 trust-only group=egress generated",
      "prod.egress.apt-mirror tls_cert apt-mirror.it.auth0.com:443 sni=apt-mirror.it.auth0.com names=[apt-mirror.it.auth0.com] same=[] distinct=0 trust-only group=egress generated",
      "prod.egress.docker tls_cert docker.it.auth0.com:443 sni=docker.it.auth0.com names=[docker.it.auth0.com] same=[] distinct=0 trust-only group=egress generated",
      "prod.egress.app-gateway tls_cert app-gateway.it.auth0.com:443 sni=app-gateway.it.auth0.com names=[app-gateway.it.auth0.com] same=[] distinct=0 trust-only group=egress generated",
  };
  EXPECT_EQ(describe_all(*l->config), want);
  EXPECT_EQ(l->config->warning_count, 0);
}

// The probe requests what the config split at load, never the url text: every
// generated URL (HTTPS-only, /testall, the health endpoints) is split like a typed one.
TEST(ApplianceProfile, GeneratedUrlsAreSplitAtLoadLikeTypedOnes) {
  auto l = load(std::string(R"({"schema":1,
      "network":{"mode":"dhcp","dns":["192.0.2.53"],"ntp":["192.0.2.123"]},
      "appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],
                   "ports":{"https":8443},"health_api_key":"k3y",)") +
                kNames + "}}");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  int http = 0;
  for (uint16_t i = 0; i < c.check_count; ++i) {
    const CheckConfig& k = c.checks[i];
    if (k.type != CheckType::kHttp) continue;
    ++http;
    std::string url(c.text(k.url));
    std::string scheme = k.https ? "https://" : "http://";
    std::string port = k.port == (k.https ? 443 : 80) ? "" : ":" + std::to_string(k.port);
    std::string path = k.path.empty() ? "/" : std::string(c.text(k.path));
    EXPECT_FALSE(k.host.empty()) << url;
    EXPECT_EQ(scheme + std::string(c.text(k.host)) + port + path, url);
  }
  EXPECT_GT(http, 8) << "HTTPS-only, /testall and the health endpoints";
}

// A three-node cluster with its own resolver and NTP server, the health API key,
// the relay, explicit egress and the other environment.
TEST(ApplianceProfile, ThreeNodeProfileWithKeyOtherEnvironmentAndEgress) {
  const std::string dev_sha = std::string(64, 'a');
  auto l = load(std::string(R"({"schema":1,
      "network":{"mode":"dhcp","dns":["192.0.2.1"],"ntp":["192.0.2.1"]},
      "appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],
        "resolvers":["192.0.2.53"],"ntp":["192.0.2.123","192.0.2.124:10123"],"health_api_key":"hk",
        "smtp":{"host":"192.0.2.25","server_name":"smtp.example.com","username":"u","password":"p"},
        "egress":["cdn.auth0.com","203.0.113.40:8443"],
        "other_environment":{"nodes":["198.51.100.20"],"cert_sha256":[")") +
                dev_sha + R"("]},)" + kNames + "}}");
  ASSERT_LOADED(l);
  std::vector<std::string> got = describe_all(*l->config);
  std::vector<std::string> ids;
  for (uint16_t i = 0; i < l->config->check_count; ++i) ids.emplace_back(l->config->text(l->config->checks[i].id));

  std::vector<std::string> want_ids;
  for (const char* where : {"cert", "node1.cert", "node2.cert", "node3.cert"}) {
    for (const char* n : {"manage", "rta", "webtask", "app1"}) want_ids.push_back(std::string("prod.") + where + "." + n);
  }
  for (const char* n : {"manage", "rta", "webtask", "app1"}) want_ids.push_back(std::string("prod.https-only.") + n);
  for (const char* n : {"manage", "rta", "webtask", "app1"}) want_ids.push_back(std::string("prod.dns.") + n);
  for (int k = 1; k <= 3; ++k) {
    for (const char* p : {"7777", "27017", "8721", "8701"}) want_ids.push_back("prod.node" + std::to_string(k) + "." + p);
  }
  want_ids.push_back("prod.lb.443");
  for (int k = 1; k <= 3; ++k) want_ids.push_back("prod.node" + std::to_string(k) + ".testall");
  want_ids.push_back("prod.lb.testall");
  for (int k = 1; k <= 3; ++k) {
    for (const char* x : {"services", "disk", "memory", "db", "network", "replicaset", "internet", "email"}) {
      want_ids.push_back("prod.node" + std::to_string(k) + ".health." + x);
    }
  }
  for (const char* x : {"prod.smtp", "prod.ntp-1", "prod.ntp-2", "prod.egress.cdn", "prod.egress.203-0-113-40"}) want_ids.push_back(x);
  for (const char* p : {"443", "7777", "27017", "8721", "8701"}) want_ids.push_back(std::string("prod.other1.") + p);
  EXPECT_EQ(ids, want_ids);

  auto line = [&](const std::string& id) {
    for (const std::string& s : got) {
      if (s.rfind(id + " ", 0) == 0) return s;
    }
    return std::string("(none)");
  };
  const std::string names = "[manage.example.com,rta.example.com,webtask.example.com,app1.example.com]";
  EXPECT_EQ(line("prod.node3.cert.webtask"), "prod.node3.cert.webtask tls_cert 192.0.2.13:443 sni=webtask.example.com names=" +
                                                 names + " same=[prod.node1.cert.manage] distinct=1 group=cert generated");
  EXPECT_EQ(line("prod.cert.manage"), "prod.cert.manage tls_cert 192.0.2.10:443 sni=manage.example.com names=" + names +
                                          " same=[prod.node1.cert.manage] distinct=1 group=cert generated");
  EXPECT_EQ(line("prod.node1.cert.manage"), "prod.node1.cert.manage tls_cert 192.0.2.11:443 sni=manage.example.com names=" +
                                                names + " same=[] distinct=1 group=cert generated");
  EXPECT_EQ(line("prod.dns.rta"), "prod.dns.rta dns 192.0.2.53:53 rta.example.com expect=[192.0.2.10] group=dns generated");
  EXPECT_EQ(line("prod.node2.health.replicaset"),
            "prod.node2.health.replicaset http https://192.0.2.12/health/status/replicaset host=manage.example.com "
            "auth=api_keys_health group=health generated");
  EXPECT_EQ(line("prod.node3.testall"),
            "prod.node3.testall http https://192.0.2.13/testall host=manage.example.com group=health generated");
  EXPECT_EQ(line("prod.smtp"), "prod.smtp smtp 192.0.2.25:587 sni=smtp.example.com group=smtp generated");
  EXPECT_EQ(line("prod.ntp-2"), "prod.ntp-2 ntp 192.0.2.124:10123 group=time generated");
  EXPECT_EQ(line("prod.egress.203-0-113-40"),
            "prod.egress.203-0-113-40 tls_cert 203.0.113.40:8443 sni= names=[] same=[] distinct=0 trust-only group=egress generated");
  EXPECT_EQ(line("prod.other1.443"), "prod.other1.443 tcp 198.51.100.20:443 unreachable group=isolation generated");
  EXPECT_EQ(line("prod.other1.8701"), "prod.other1.8701 tcp 198.51.100.20:8701 unreachable group=isolation generated");

  const CheckConfig* h = l->config->find_check("prod.node1.health.email");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(l->config->text(h->basic_password), "hk");
  std::array<uint16_t, CheckConfig::kMaxStatusCodes> codes{};
  ASSERT_EQ(l->config->status_codes(h->expect_status, codes), 1u);
  EXPECT_EQ(codes[0], 204);
  ASSERT_EQ(l->config->status_codes(h->warn_status, codes), 2u);
  EXPECT_EQ(codes[0], 520);
  EXPECT_EQ(codes[1], 429);
  const CheckConfig* cert = l->config->find_check("prod.node1.cert.rta");
  EXPECT_EQ(l->config->text(l->config->list_item(cert->distinct_from_sha256, 0)), dev_sha);
}

// The demo's shape: non-default ports and the older `isolated_from` (expect closed).
TEST(ApplianceProfile, PortsOverrideTheDefaultsAndIsolatedFromStaysClosed) {
  auto l = load(std::string(R"({"schema":1,
      "appliance":{"name":"prod","load_balancer":"10.0.2.2","nodes":["10.0.2.2"],
        "ports":{"https":18443,"http":18080,"mesh":[17777,27017]},"resolvers":["10.0.2.2:15353"],
        "egress":[],"isolated_from":["10.0.2.2:19443"],)") +
                kNames + "}}");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  EXPECT_EQ(c.find_check("prod.cert.manage")->port, 18443);
  EXPECT_EQ(c.text(c.find_check("prod.https-only.app1")->url), "http://10.0.2.2:18080/");
  EXPECT_EQ(c.text(c.find_check("prod.node1.testall")->url), "https://10.0.2.2:18443/testall");
  EXPECT_EQ(c.find_check("prod.lb.18443")->port, 18443);
  EXPECT_NE(c.find_check("prod.node1.17777"), nullptr);
  EXPECT_EQ(c.find_check("prod.node1.7777"), nullptr);
  EXPECT_EQ(c.find_check("prod.egress.cdn"), nullptr);  // egress: [] is none
  EXPECT_EQ(c.find_check("prod.ntp"), nullptr);         // neither ntp nor network.ntp
  EXPECT_EQ(c.find_check("prod.dns.manage")->port, 15353);
  const CheckConfig* iso = c.find_check("prod.isolation-1");
  ASSERT_NE(iso, nullptr);
  EXPECT_EQ(iso->expect, ExpectPort::kClosed);
  EXPECT_EQ(iso->group, Group::kIsolation);
  EXPECT_EQ(iso->port, 19443);
}

// The override rule: an explicit check with a generated id replaces the generated
// one (not marked generated, its own settings), everything else is still generated.
TEST(ApplianceProfile, AnExplicitCheckWithAGeneratedIdOverridesIt) {
  auto l = load(std::string(R"({"schema":1,
      "checks":[{"id":"prod.node1.7777","type":"tcp","host":"192.0.2.11","port":17777},
                {"id":"prod.https-only.app1","type":"tcp","host":"192.0.2.10","port":80,"expect":"closed"}],
      "appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11"],"egress":[],)") +
                kNames + "}}");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  int with_id = 0;
  for (uint16_t i = 0; i < c.check_count; ++i) with_id += c.text(c.checks[i].id) == "prod.node1.7777";
  EXPECT_EQ(with_id, 1);
  const CheckConfig* mesh = c.find_check("prod.node1.7777");
  EXPECT_FALSE(mesh->generated);
  EXPECT_EQ(mesh->port, 17777);
  EXPECT_EQ(c.text(c.checks[0].id), "prod.node1.7777");  // in its own place, first
  const CheckConfig* redirect = c.find_check("prod.https-only.app1");
  EXPECT_FALSE(redirect->generated);
  EXPECT_EQ(redirect->type, CheckType::kTcp);  // another kind may replace it too
  EXPECT_TRUE(c.find_check("prod.node1.27017")->generated);
  EXPECT_TRUE(c.find_check("prod.https-only.manage")->generated);
}

// `name` is optional: the ids then start with "appliance.". Without a load balancer
// the single node is the DNS target (A5) and the front for the HTTPS-only rule.
TEST(ApplianceProfile, NameIsOptionalAndASingleNodeIsTheTarget) {
  auto l = load(std::string(R"({"schema":1,"network":{"mode":"dhcp","dns":["192.0.2.53"]},
      "appliance":{"nodes":["192.0.2.11"],"egress":[],)") + kNames + "}}");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  const CheckConfig* dns = c.find_check("appliance.dns.manage");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(list(c, dns->expect_addresses), "[192.0.2.11]");
  EXPECT_EQ(c.text(c.find_check("appliance.https-only.rta")->url), "http://192.0.2.11/");
  EXPECT_EQ(c.find_check("appliance.lb.443"), nullptr);
  EXPECT_NE(c.find_check("appliance.node1.cert.webtask"), nullptr);

  auto none = load(R"({"schema":1,"appliance":{"name":"prod"}})");
  ASSERT_FALSE(none->status.ok());
  EXPECT_EQ(none->errors.at(0).path.view(), "appliance.load_balancer");
}

// Two generated ids that meet (a long name cut at 32 characters, two app tenants
// with one first label) are both kept, the later one with "-2".
TEST(ApplianceProfile, CollidingGeneratedIdsAreMadeUnique) {
  auto l = load(R"({"schema":1,"appliance":{"name":"prod-eu-west","nodes":["192.0.2.11"],"egress":[],
      "health_api_key":"k","domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
      "webtask":"webtask.example.com","app_tenants":["app1.example.com","app1.example.org"]}}})");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  EXPECT_NE(c.find_check("prod-eu-west.node1.cert.app1"), nullptr);
  EXPECT_NE(c.find_check("prod-eu-west.node1.cert.app1-2"), nullptr);
  // "prod-eu-west.node1.health.replicaset" is 36 characters.
  EXPECT_NE(c.find_check("prod-eu-west.node1.health.replic"), nullptr);
  for (uint16_t a = 0; a < c.check_count; ++a) {
    EXPECT_LE(c.text(c.checks[a].id).size(), 32u);
    for (uint16_t b = 0; b < a; ++b) EXPECT_NE(c.text(c.checks[a].id), c.text(c.checks[b].id));
  }
}

TEST(ApplianceProfile, OtherEnvironmentFingerprintsAreValidated) {
  auto l = load(R"({"schema":1,"appliance":{"name":"prod","load_balancer":"192.0.2.10",
      "other_environment":{"nodes":["198.51.100.20"],"cert_sha256":["ab12"]}}})");
  ASSERT_FALSE(l->status.ok());
  EXPECT_EQ(l->errors.at(0).path.view(), "appliance.other_environment.cert_sha256[0]");
  auto k = load(R"({"schema":1,"checks":[{"id":"c","type":"tls_cert","host":"192.0.2.10",
      "distinct_from_sha256":["xyz"]}]})");
  ASSERT_FALSE(k->status.ok());
  EXPECT_EQ(k->errors.at(0).path.view(), "checks[0].distinct_from_sha256[0]");
  auto ok = load(R"({"schema":1,"checks":[{"id":"c","type":"tls_cert","host":"192.0.2.10",
      "distinct_from_sha256":[")" + std::string(64, 'F') + R"("]}]})");
  ASSERT_LOADED(ok);
  EXPECT_EQ(ok->config->checks[0].distinct_from_sha256.count, 1);
}

TEST(ApplianceProfile, ExpectHttpsRedirectIsForPlainHttpUrls) {
  auto ok = load(R"({"schema":1,"checks":[{"id":"r","type":"http","url":"http://192.0.2.10/",
      "host_header":"manage.example.com","expect_https_redirect":true}]})");
  ASSERT_LOADED(ok);
  EXPECT_TRUE(ok->config->checks[0].expect_https_redirect);
  auto bad = load(R"({"schema":1,"checks":[{"id":"r","type":"http","url":"https://192.0.2.10/",
      "expect_https_redirect":true}]})");
  ASSERT_FALSE(bad->status.ok());
  EXPECT_EQ(bad->errors.at(0).path.view(), "checks[0].expect_https_redirect");
  auto tcp = load(R"({"schema":1,"checks":[{"id":"r","type":"tcp","host":"192.0.2.10","port":80,
      "expect_https_redirect":true}]})");
  EXPECT_FALSE(tcp->status.ok());
}

TEST(HttpsRedirect, OnlyA301Or308ToHttpsOnTheSameHost) {
  EXPECT_TRUE(http::is_https_redirect(301, "https://manage.example.com/", "manage.example.com"));
  EXPECT_TRUE(http::is_https_redirect(308, "https://Manage.Example.com:8443/x?y", "manage.example.com:8080"));
  EXPECT_TRUE(http::is_https_redirect(301, "HTTPS://manage.example.com", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(302, "https://manage.example.com/", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(200, "", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(301, "http://manage.example.com/", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(301, "https://evil.example.com/", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(301, "https://manage.example.com.evil.test/", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(301, "/login", "manage.example.com"));
  EXPECT_FALSE(http::is_https_redirect(301, "https://manage.example.com/", ""));
}

TEST(ApplianceProfile, DnsPlanIsLintedAsWarningsNotErrors) {
  auto l = load(R"({"schema":1,"appliance":{"name":"dev","load_balancer":"192.0.2.10","egress":[],"domain_names":{
      "dashboard":"manage.lab.test","root_tenant_authority":"my_rta.lab.test","webtask":"wt.lab.test",
      "app_tenants":["login.lab.test","app1.other.test"]}}})");
  ASSERT_LOADED(l);
  const Config& c = *l->config;
  auto has = [&](std::string_view path, std::string_view fragment) {
    for (uint16_t i = 0; i < c.warning_count; ++i) {
      if (path == c.warning_path(i) && c.warning_message(i).find(fragment) != std::string_view::npos)
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
      out.push_back(std::string(l->config->warning_path(i)) + ": " + std::string(l->config->warning_message(i)));
    }
    return out;
  };
  EXPECT_TRUE(warnings_for(R"(["10.0.2.2"])").empty());
  EXPECT_TRUE(warnings_for(R"(["192.0.2.21","192.0.2.22","192.0.2.23"])").empty());
  auto two = warnings_for(R"(["192.0.2.21","192.0.2.22"])");
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
