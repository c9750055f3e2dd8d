#include "config/config_parser.h"
#include "config/config_view.h"

#include <gtest/gtest.h>
#include <array>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace probebox {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PROBEBOX_TEST_DATA) + "/config/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Parsed {
  std::unique_ptr<Config> config = std::make_unique<Config>();
  ConfigErrors errors;
  Status status;
};

std::unique_ptr<Parsed> parse(const std::string& json) {
  auto p = std::make_unique<Parsed>();
  p->status = parse_config(json, *p->config, p->errors);
  return p;
}

TEST(ConfigParser, SpecExampleSubsetLoads) {
  auto p = parse(R"({
    "schema": 1,
    "device": { "name": "probe-01", "location": "rack B4 U12" },
    "network": { "mode": "dhcp", "dns": ["10.0.2.2"], "ntp": ["10.0.2.2:12300"] },
    "defaults": { "interval_s": 30, "timeout_ms": 5000, "confirm": 2, "cert_warn_days": 30,
                  "cert_crit_days": 14, "ntp_warn_ms": 500, "ntp_crit_ms": 2000,
                  "latency_warn_ms": 2000, "clock_skew_warn_s": 5 },
    "trust_anchors_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "checks": [
      { "id": "lb-cert", "type": "tls_cert", "host": "10.0.2.2", "port": 8443,
        "server_name": "manage.lab.test",
        "names": ["manage.lab.test", "root.lab.test", "webtask.lab.test", "app.lab.test"] },
      { "id": "dns-manage", "type": "dns", "server": "10.0.2.2:5353",
        "name": "manage.lab.test", "expect_addresses": ["127.0.0.1"] },
      { "id": "node1-7777", "type": "tcp", "host": "10.0.2.2", "port": 7777 },
      { "id": "dev-isolated", "type": "tcp", "host": "10.0.2.2", "port": 9443, "expect": "closed" },
      { "id": "node1-testall", "type": "http", "url": "http://10.0.2.2:8080/testall" },
      { "id": "smtp", "type": "smtp", "host": "10.0.2.2", "port": 2525,
        "starttls": "prefer", "username": "probe", "password": "secret" },
      { "id": "ntp", "type": "ntp", "server": "10.0.2.2:12300" }
    ],
    "alerts": {
      "mail":   { "to": ["ops@example.com"], "from": "probe-01@example.com" },
      "syslog": { "server": "10.0.2.2:5514" },
      "snmp":   { "community": "public", "trap_to": ["10.0.2.2:1162"] }
    }
  })");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const Config& c = *p->config;
  EXPECT_EQ(c.check_count, 7);
  EXPECT_EQ(c.text(c.device_name), "probe-01");
  EXPECT_EQ(c.text(c.trust_anchors_pem).substr(0, 28), "-----BEGIN CERTIFICATE-----\n");
  const CheckConfig* cert = c.find_check("lb-cert");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->type, CheckType::kTlsCert);
  EXPECT_EQ(cert->group, Group::kCert);
  EXPECT_EQ(cert->port, 8443);
  EXPECT_EQ(cert->names.count, 4);
  EXPECT_EQ(c.text(c.list_item(cert->names, 3)), "app.lab.test");
  const CheckConfig* dns = c.find_check("dns-manage");
  EXPECT_EQ(c.text(dns->host), "10.0.2.2");
  EXPECT_EQ(dns->port, 5353);
  EXPECT_EQ(c.find_check("dev-isolated")->group, Group::kIsolation);
  EXPECT_EQ(c.find_check("dev-isolated")->expect, ExpectPort::kClosed);
  EXPECT_EQ(c.find_check("ntp")->port, 12300);
  EXPECT_EQ(c.find_check("smtp")->starttls, StartTls::kPrefer);
  EXPECT_EQ(c.text(c.find_check("smtp")->password), "secret");
  EXPECT_EQ(c.find_check("node1-testall")->group, Group::kHealth);
}

TEST(ConfigParser, DefaultsApplyWhereverTheyStandAndChecksOverride) {
  auto p = parse(R"({"checks":[{"id":"a","type":"tcp","host":"h.example","port":1},
                               {"id":"b","type":"tcp","host":"10.0.2.2","port":2,"timeout_ms":900}],
                     "defaults":{"timeout_ms":1234,"confirm":3},"schema":1})");
  ASSERT_TRUE(p->status.ok());
  EXPECT_EQ(p->config->checks[0].tune.timeout_ms, 1234u);
  EXPECT_EQ(p->config->checks[0].tune.confirm, 3);
  EXPECT_EQ(p->config->checks[1].tune.timeout_ms, 900u);
  EXPECT_EQ(p->config->checks[1].tune.confirm, 3);
}

// The tunables are bit-fields of the widths their ranges need (config_model.h): each
// one's both ends are kept exactly, in defaults and in a check, and one past is refused.
TEST(ConfigParser, EveryTunableKeepsBothEndsOfItsRange) {
  const char* high = R"("interval_s":86400,"timeout_ms":120000,"confirm":10,"confirm_window":32,)"
                     R"("cert_warn_days":3650,"cert_crit_days":3650,"ntp_warn_ms":3600000,"ntp_crit_ms":3600000,)"
                     R"("latency_warn_ms":600000,"clock_skew_warn_s":86400,"public_roots":false)";
  const char* low = R"("interval_s":1,"timeout_ms":1,"confirm":1,"confirm_window":0,)"
                    R"("cert_warn_days":0,"cert_crit_days":0,"ntp_warn_ms":1,"ntp_crit_ms":1,)"
                    R"("latency_warn_ms":1,"clock_skew_warn_s":1,"public_roots":true)";
  auto p = parse(std::string(R"({"schema":1,"defaults":{)") + high +
                 R"(},"checks":[{"id":"a","type":"tcp","host":"h.example","port":1},)"
                 R"({"id":"b","type":"tcp","host":"h.example","port":1,)" + low + "}]}");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.view() << ": " << p->errors.at(0).message.view();
  for (const Tunables* t : {&p->config->defaults, &p->config->checks[0].tune}) {
    EXPECT_EQ(t->interval_s, 86400u);
    EXPECT_EQ(t->timeout_ms, 120000u);
    EXPECT_EQ(t->confirm, 10u);
    EXPECT_EQ(t->confirm_window, 32u);
    EXPECT_EQ(t->cert_warn_days, 3650u);
    EXPECT_EQ(t->cert_crit_days, 3650u);
    EXPECT_EQ(t->ntp_warn_ms, 3600000u);
    EXPECT_EQ(t->ntp_crit_ms, 3600000u);
    EXPECT_EQ(t->latency_warn_ms, 600000u);
    EXPECT_EQ(t->clock_skew_warn_s, 86400u);
    EXPECT_FALSE(t->public_roots);
  }
  const Tunables& t = p->config->checks[1].tune;
  EXPECT_EQ(t.interval_s, 1u);
  EXPECT_EQ(t.timeout_ms, 1u);
  EXPECT_EQ(t.confirm, 1u);
  EXPECT_EQ(t.confirm_window, 0u);
  EXPECT_EQ(t.cert_warn_days, 0u);
  EXPECT_EQ(t.cert_crit_days, 0u);
  EXPECT_EQ(t.ntp_warn_ms, 1u);
  EXPECT_EQ(t.ntp_crit_ms, 1u);
  EXPECT_EQ(t.latency_warn_ms, 1u);
  EXPECT_EQ(t.clock_skew_warn_s, 1u);
  EXPECT_TRUE(t.public_roots);
  // The value-initialised set is the spec's defaults.
  const Tunables d{};
  EXPECT_EQ(d.interval_s, 30u);
  EXPECT_EQ(d.timeout_ms, 5000u);
  EXPECT_EQ(d.confirm, 2u);
  EXPECT_EQ(d.cert_warn_days, 30u);
  EXPECT_EQ(d.cert_crit_days, 14u);
  EXPECT_EQ(d.ntp_warn_ms, 500u);
  EXPECT_EQ(d.ntp_crit_ms, 2000u);
  EXPECT_EQ(d.latency_warn_ms, 2000u);
  EXPECT_EQ(d.clock_skew_warn_s, 5u);
  EXPECT_TRUE(d.public_roots);
  const std::pair<const char*, const char*> past[] = {
      {R"("interval_s":86401)", "defaults.interval_s"},   {R"("timeout_ms":120001)", "defaults.timeout_ms"},
      {R"("confirm":11)", "defaults.confirm"},            {R"("confirm_window":33)", "defaults.confirm_window"},
      {R"("cert_warn_days":3651)", "defaults.cert_warn_days"}, {R"("ntp_crit_ms":3600001)", "defaults.ntp_crit_ms"},
      {R"("latency_warn_ms":600001)", "defaults.latency_warn_ms"},
      {R"("clock_skew_warn_s":86401)", "defaults.clock_skew_warn_s"}};
  for (const auto& [member, path] : past) {
    auto q = parse(std::string(R"({"schema":1,"defaults":{)") + member + "}}");
    ASSERT_GE(q->errors.count(), 1u) << member;
    EXPECT_EQ(q->errors.at(0).path.view(), path);
  }
}

// An http check's status codes live in the arena, 2 bytes each: eight of each list
// come back exactly, in order, at both ends of 100..599; none is "200 only".
TEST(ConfigParser, StatusCodesComeBackExactlyFromTheArena) {
  auto p = parse(R"({"schema":1,"checks":[
      {"id":"a","type":"http","url":"http://h.example/","expect_status":[100,200,204,301,302,404,503,599],
       "warn_status":[599,520,429,418,400,307,101,100]},
      {"id":"b","type":"http","url":"http://h.example/"},
      {"id":"c","type":"http","url":"http://h.example/","warn_status":[]}]})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.view() << ": " << p->errors.at(0).message.view();
  const Config& c = *p->config;
  std::array<uint16_t, CheckConfig::kMaxStatusCodes> codes{};
  ASSERT_EQ(c.status_codes(c.checks[0].expect_status, codes), 8u);
  EXPECT_EQ(codes, (std::array<uint16_t, 8>{100, 200, 204, 301, 302, 404, 503, 599}));
  ASSERT_EQ(c.status_codes(c.checks[0].warn_status, codes), 8u);
  EXPECT_EQ(codes, (std::array<uint16_t, 8>{599, 520, 429, 418, 400, 307, 101, 100}));
  EXPECT_EQ(c.status_codes(c.checks[1].expect_status, codes), 0u);
  EXPECT_EQ(c.status_codes(c.checks[1].warn_status, codes), 0u);
  EXPECT_EQ(c.status_codes(c.checks[2].warn_status, codes), 0u);
  // A copy of the model reads the same codes.
  auto copy = std::make_unique<Config>(c);
  ASSERT_EQ(copy->status_codes(copy->checks[0].warn_status, codes), 8u);
  EXPECT_EQ(codes[1], 520);
  auto nine = parse(R"({"schema":1,"checks":[{"id":"a","type":"http","url":"http://h.example/",
      "expect_status":[200,201,202,203,204,205,206,207,208]}]})");
  ASSERT_GE(nine->errors.count(), 1u);
  EXPECT_EQ(nine->errors.at(0).path.view(), "checks[0].expect_status");
}

TEST(ConfigParser, PublicRootsAreOnUnlessDefaultsOrACheckSayFalse) {
  auto on = parse(R"({"schema":1,"checks":[{"id":"a","type":"tls_cert","host":"h.example"}]})");
  ASSERT_TRUE(on->status.ok());
  EXPECT_TRUE(on->config->defaults.public_roots);
  EXPECT_TRUE(on->config->checks[0].tune.public_roots);
  auto off = parse(R"({"checks":[{"id":"a","type":"tls_cert","host":"h.example"},
                                 {"id":"b","type":"tls_cert","host":"h.example","public_roots":true}],
                       "defaults":{"public_roots":false},"schema":1})");
  ASSERT_TRUE(off->status.ok());
  EXPECT_FALSE(off->config->checks[0].tune.public_roots);
  EXPECT_TRUE(off->config->checks[1].tune.public_roots);
  auto bad = parse(R"({"schema":1,"defaults":{"public_roots":"no"}})");
  ASSERT_EQ(bad->errors.count(), 1u);
  EXPECT_EQ(bad->errors.at(0).path.view(), "defaults.public_roots");
}

TEST(ConfigParser, EveryErrorIsReportedWithItsPath) {
  auto p = parse(R"({"schema":1,"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":0},
                                          {"id":"B","type":"tcp","host":"10.0.2.2","port":1,"x":1}]})");
  EXPECT_FALSE(p->status.ok());
  ASSERT_EQ(p->errors.count(), 3u);
  EXPECT_EQ(p->errors.at(0).path.view(), "checks[0].port");
  EXPECT_EQ(p->errors.at(1).path.view(), "checks[1].id");
  EXPECT_EQ(p->errors.at(2).path.view(), "checks[1].x");
}

TEST(ConfigParser, StringsAreUnescaped) {
  auto p = parse(R"({"schema":1,"device":{"name":"a\"b\u00e9\/\ud83d\udef0"}})");
  ASSERT_TRUE(p->status.ok());
  EXPECT_EQ(p->config->text(p->config->device_name), "a\"b\xc3\xa9/\xf0\x9f\x9b\xb0");
}

// Every way an attacker could get a line break or another control character into
// a value that later lands in a mail header, an SMTP command or a syslog line.
TEST(ConfigParser, ControlCharactersAreRejectedInEveryStringWithThePath) {
  struct Case {
    const char* json;
    const char* path;
  };
  const Case cases[] = {
      {R"({"schema":1,"device":{"name":"probe\r\nBcc: attacker@evil.example"}})", "device.name"},
      {R"({"schema":1,"device":{"name":"probe","location":"a\nb"}})", "device.location"},
      {R"({"schema":1,"device":{"name":"probe\u000d"}})", "device.name"},
      {R"({"schema":1,"device":{"name":"tab\there"}})", "device.name"},
      {R"({"schema":1,"device":{"name":"del\u007f"}})", "device.name"},
      {R"({"schema":1,"device":{"name":"c1\u0085"}})", "device.name"},  // NEL
      {"{\"schema\":1,\"device\":{\"name\":\"c1\xc2\x9b[31m\"}}", "device.name"},  // raw CSI
      {R"({"schema":1,"alerts":{"mail":{"to":["ops@example.com\r\nRCPT TO:<attacker@evil.example>"],)"
       R"("from":"probe@example.com"}}})",
       "alerts.mail.to[0]"},
      {R"({"schema":1,"alerts":{"syslog":{"server":"10.0.2.2:514\n"}}})", "alerts.syslog.server"},
      {R"({"schema":1,"checks":[{"id":"w","type":"http","url":"http://10.0.2.2/","expect_body":"ok\r\n"}]})",
       "checks[0].expect_body"},
      {R"({"schema":1,"checks":[{"id":"s","type":"smtp","host":"10.0.2.2","username":"u\n","password":"p"}]})",
       "checks[0].username"},
      {R"({"schema":1,"checks":[{"id":"s","type":"smtp","host":"10.0.2.2","username":"u","password":"p\r\nQUIT"}]})",
       "checks[0].password"},
      {R"({"schema":1,"appliance":{"name":"prod","load_balancer":"192.0.2.10","health_api_key":"k\n"}})",
       "appliance.health_api_key"},
  };
  for (const Case& c : cases) {
    auto p = parse(c.json);
    ASSERT_FALSE(p->status.ok()) << c.json;
    bool found = false;
    for (size_t i = 0; i < p->errors.count(); ++i) found |= p->errors.at(i).path.view() == c.path;
    EXPECT_TRUE(found) << c.json << ": first error at '" << p->errors.at(0).path.c_str() << "'";
  }
}

// The PEM bundle is the one multi-line value: CR and LF only, nothing else.
TEST(ConfigParser, TrustAnchorsMayHoldLineBreaksButNoOtherControlCharacter) {
  auto crlf = parse(R"({"schema":1,"trust_anchors_pem":"-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n"})");
  EXPECT_TRUE(crlf->status.ok());
  for (const char* bad : {R"({"schema":1,"trust_anchors_pem":"-----BEGIN CERTIFICATE-----\n\tAAAA\n"})",
                          R"({"schema":1,"trust_anchors_pem":"-----BEGIN CERTIFICATE-----\n\u0000AAAA\n"})",
                          R"({"schema":1,"trust_anchors_pem":"-----BEGIN CERTIFICATE-----\n\u001bAAAA\n"})"}) {
    auto p = parse(bad);
    ASSERT_FALSE(p->status.ok()) << bad;
    EXPECT_EQ(p->errors.at(0).path.view(), "trust_anchors_pem") << bad;
  }
  // Line breaks stay a PEM privilege.
  auto name = parse(R"({"schema":1,"device":{"name":"-----BEGIN CERTIFICATE-----\n"}})");
  EXPECT_FALSE(name->status.ok());
}

TEST(ConfigParser, InvalidUtf8IsRejectedWithThePath) {
  struct Case {
    std::string json;
    const char* path;
  };
  const Case cases[] = {
      {"{\"schema\":1,\"device\":{\"name\":\"a\xc0\xaf\"}}", "device.name"},          // overlong '/'
      {"{\"schema\":1,\"device\":{\"name\":\"a\xe0\x80\xaf\"}}", "device.name"},      // overlong, 3 bytes
      {"{\"schema\":1,\"device\":{\"name\":\"a\xf0\x80\x80\xaf\"}}", "device.name"},  // overlong, 4 bytes
      {"{\"schema\":1,\"device\":{\"name\":\"a\xed\xa0\x80\"}}", "device.name"},      // surrogate U+D800
      {"{\"schema\":1,\"device\":{\"name\":\"a\xf4\x90\x80\x80\"}}", "device.name"},  // past U+10FFFF
      {"{\"schema\":1,\"device\":{\"name\":\"a\xe2\x82\"}}", "device.name"},          // cut short
      {"{\"schema\":1,\"device\":{\"name\":\"a\x80\"}}", "device.name"},              // stray continuation
      {"{\"schema\":1,\"device\":{\"name\":\"a\xff\"}}", "device.name"},
      {"{\"schema\":1,\"checks\":[{\"id\":\"t\",\"type\":\"tcp\",\"host\":\"10.0.2.2\",\"port\":1,"
       "\"group\":\"ports\"},{\"id\":\"u\",\"type\":\"tls_cert\",\"host\":\"10.0.2.2\",\"names\":[\"a\",\"\xe2\x82\"]}]}",
       "checks[1].names[1]"},
      {"{\"schema\":1,\"device\":{\"name\":\"p\",\"x\xc3\":1}}", "device.x?"},           // in a key
  };
  for (const Case& c : cases) {
    auto p = parse(c.json);
    ASSERT_FALSE(p->status.ok()) << c.json;
    bool found = false;
    for (size_t i = 0; i < p->errors.count(); ++i) found |= p->errors.at(i).path.view() == c.path;
    EXPECT_TRUE(found) << c.json << ": first error at '" << p->errors.at(0).path.c_str() << "'";
    // No error path carries the bad bytes on to the API's JSON or a log line.
    for (size_t i = 0; i < p->errors.count(); ++i) {
      for (char ch : p->errors.at(i).path.view()) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << c.json;
    }
  }
  // Well-formed multi-byte text is fine.
  auto ok = parse("{\"schema\":1,\"device\":{\"name\":\"Sonde B\xc3\xbcro \xe2\x82\xac \xf0\x9f\x9b\xb0\"}}");
  EXPECT_TRUE(ok->status.ok());
}

TEST(ConfigParser, DuplicateKeysAreRejectedAtAnyDepthWithThePath) {
  struct Case {
    const char* json;
    const char* path;
  };
  const Case cases[] = {
      {R"({"schema":1,"schema":1})", "schema"},
      {R"({"schema":1,"device":{"name":"a","name":"b"}})", "device.name"},
      // The validator must not see one host while a later reader takes another.
      {R"({"schema":1,"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1},)"
       R"({"id":"b","type":"tcp","host":"10.0.2.2","port":2,"host":"203.0.113.9"}]})",
       "checks[1].host"},
      {R"({"schema":1,"alerts":{"mail":{"to":["a@example.com"],"from":"b@example.com","to":["evil@example.com"]}}})",
       "alerts.mail.to"},
      {R"({"schema":1,"appliance":{"name":"p","load_balancer":"192.0.2.10","smtp":{"password":"a","password":"b"}}})",
       "appliance.smtp.password"},
      // Even where the walk would stop early (no type) or never look (an unknown key).
      {R"({"schema":1,"checks":[{"id":"a","id":"b"}]})", "checks[0].id"},
      {R"({"schema":1,"x":[[{"k":1,"k":2}]]})", "x[0][0].k"},
  };
  for (const Case& c : cases) {
    auto p = parse(c.json);
    ASSERT_FALSE(p->status.ok()) << c.json;
    bool found = false;
    for (size_t i = 0; i < p->errors.count(); ++i) {
      found |= p->errors.at(i).path.view() == c.path && p->errors.at(i).message.view() == "duplicate key";
    }
    EXPECT_TRUE(found) << c.json << ": first error at '" << p->errors.at(0).path.c_str() << "'";
  }
  // The same key in sibling objects is no duplicate.
  auto ok = parse(R"({"schema":1,"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1},)"
                  R"({"id":"b","type":"tcp","host":"10.0.2.2","port":2}]})");
  EXPECT_TRUE(ok->status.ok());
}

TEST(ConfigParser, TheMailRelayKeepsItsPort) {
  auto p = parse(R"({"schema":1,"alerts":{"mail":{"to":["ops@example.com"],"from":"p@example.com","server":"10.0.2.2:2525"}}})");
  ASSERT_TRUE(p->status.ok());
  EXPECT_EQ(p->config->text(p->config->alerts.mail_server), "10.0.2.2");
  EXPECT_EQ(p->config->alerts.mail_port, 2525);
  auto d = parse(R"({"schema":1,"alerts":{"mail":{"to":["ops@example.com"],"from":"p@example.com","server":"relay.example"}}})");
  ASSERT_TRUE(d->status.ok());
  EXPECT_EQ(d->config->alerts.mail_port, 25);
}

TEST(ConfigParser, MailAddressesArePlainAddrSpecs) {
  auto p = parse(R"({"schema":1,"alerts":{"mail":{"to":["ops@example.com","x"],"from":"Probe <p@example.com>"}}})");
  ASSERT_FALSE(p->status.ok());
  ASSERT_EQ(p->errors.count(), 2u);
  EXPECT_EQ(p->errors.at(0).path.view(), "alerts.mail.to[1]");
  EXPECT_EQ(p->errors.at(1).path.view(), "alerts.mail.from");
}

struct InvalidCase {
  const char* file;
  const char* path;  // the error path that must be reported
};

class InvalidConfig : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfig, IsRejectedNamingThePath) {
  auto p = parse(read_fixture(GetParam().file));
  ASSERT_FALSE(p->status.ok()) << GetParam().file;
  bool found = false;
  for (size_t i = 0; i < p->errors.count(); ++i) found |= p->errors.at(i).path.view() == GetParam().path;
  EXPECT_TRUE(found) << GetParam().file << ": first error at '" << p->errors.at(0).path.c_str() << "': "
                     << p->errors.at(0).message.c_str();
}

INSTANTIATE_TEST_SUITE_P(
    OneFixturePerRule, InvalidConfig,
    ::testing::Values(
        InvalidCase{"invalid-port-range.json", "checks[0].port"},
        InvalidCase{"invalid-unknown-key.json", "checks[0].prot"},
        InvalidCase{"invalid-unknown-top-key.json", "chekcs"},
        InvalidCase{"invalid-missing-schema.json", "schema"},
        InvalidCase{"invalid-wrong-schema.json", "schema"},
        InvalidCase{"invalid-bad-id.json", "checks[0].id"},
        InvalidCase{"invalid-duplicate-id.json", "checks[1].id"},
        InvalidCase{"invalid-missing-type.json", "checks[0].type"},
        InvalidCase{"invalid-unknown-type.json", "checks[0].type"},
        InvalidCase{"invalid-missing-host.json", "checks[0].host"},
        InvalidCase{"invalid-bad-host.json", "checks[0].host"},
        InvalidCase{"invalid-bad-expect.json", "checks[0].expect"},
        InvalidCase{"invalid-timeout-over-interval.json", "checks[0]"},
        InvalidCase{"invalid-crit-above-warn.json", "defaults"},
        InvalidCase{"invalid-string-for-int.json", "defaults.timeout_ms"},
        InvalidCase{"invalid-bad-group.json", "checks[0].group"},
        InvalidCase{"invalid-dns-missing-name.json", "checks[0].name"},
        InvalidCase{"invalid-http-bad-url.json", "checks[0].url"},
        InvalidCase{"invalid-same-cert-unknown.json", "checks[0].same_cert_as[0]"},
        InvalidCase{"invalid-smtp-user-without-password.json", "checks[0]"},
        InvalidCase{"invalid-static-without-address.json", "network.address"},
        InvalidCase{"invalid-not-json.json", ""},
        InvalidCase{"invalid-trailing-data.json", ""},
        InvalidCase{"invalid-key-without-value.json", ""},
        InvalidCase{"invalid-bad-escape.json", "device.name"},
        InvalidCase{"invalid-pem-not-pem.json", "trust_anchors_pem"},
        InvalidCase{"invalid-appliance-without-target.json", "appliance.load_balancer"},
        InvalidCase{"invalid-maintenance-end-before-start.json", "maintenance[0]"},
        InvalidCase{"invalid-maintenance-bad-time.json", "maintenance[0].start"},
        InvalidCase{"invalid-appliance-bad-mesh-port.json", "appliance.ports.mesh[1]"},
        InvalidCase{"invalid-control-char-device-name.json", "device.name"},
        InvalidCase{"invalid-control-char-mail-from.json", "alerts.mail.from"},
        InvalidCase{"invalid-control-char-nul.json", "device.location"},
        InvalidCase{"invalid-mail-address.json", "alerts.mail.to[0]"},
        InvalidCase{"invalid-pem-control-char.json", "trust_anchors_pem"},
        InvalidCase{"invalid-duplicate-key.json", "checks[0].host"},
        InvalidCase{"invalid-duplicate-key-nested.json", "appliance.smtp.password"},
        InvalidCase{"invalid-utf8-overlong.json", "device.location"},
        InvalidCase{"invalid-utf8-surrogate.json", "device.location"},
        InvalidCase{"invalid-utf8-truncated.json", "checks[0].url"},
        InvalidCase{"invalid-utf8-key.json", "device.loc?"}));

// allow_auth_without_tls (smtp only, a boolean, off by default) and the relay's
// certificate name, per check and in the appliance profile (spec/config.md).
TEST(ConfigParser, SmtpCredentialPolicyKeys) {
  auto p = parse(R"({"schema":1,"checks":[
      {"id":"clear","type":"smtp","host":"10.0.2.2","username":"u","password":"p","allow_auth_without_tls":true},
      {"id":"tls","type":"smtp","host":"10.0.2.2","server_name":"relay.example.com","username":"u","password":"p"}],
    "appliance":{"name":"prod","load_balancer":"192.0.2.10","domain_names":{"dashboard":"manage.example.com"},
      "smtp":{"host":"192.0.2.25","server_name":"smtp.example.com","username":"u","password":"p"}}})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const Config& c = *p->config;
  EXPECT_TRUE(c.find_check("clear")->allow_auth_without_tls);
  EXPECT_FALSE(c.find_check("tls")->allow_auth_without_tls);
  EXPECT_EQ(c.text(c.find_check("tls")->server_name), "relay.example.com");
  const CheckConfig* generated = c.find_check("prod.smtp");
  ASSERT_NE(generated, nullptr);
  EXPECT_FALSE(generated->allow_auth_without_tls);
  EXPECT_EQ(c.text(generated->server_name), "smtp.example.com");

  const struct {
    const char* file;
    const char* path;
  } invalid[] = {{"invalid-smtp-allow-auth-not-bool.json", "checks[0].allow_auth_without_tls"},
                 {"invalid-allow-auth-on-http.json", "checks[0].allow_auth_without_tls"},
                 {"invalid-smtp-server-name-not-a-name.json", "checks[0].server_name"}};
  for (const auto& bad : invalid) {
    auto q = parse(read_fixture(bad.file));
    ASSERT_FALSE(q->status.ok()) << bad.file;
    EXPECT_EQ(q->errors.at(0).path.view(), bad.path) << bad.file;
  }
  auto q = parse(R"({"schema":1,"appliance":{"name":"prod","load_balancer":"192.0.2.10",
      "smtp":{"host":"192.0.2.25","server_name":"not a name"}}})");
  ASSERT_FALSE(q->status.ok());
  EXPECT_EQ(q->errors.at(0).path.view(), "appliance.smtp.server_name");
}

// GET /api/config gives back the stored document with only the secrets masked: the
// key survives the round trip and loads again with the same meaning.
TEST(ConfigParser, AllowAuthWithoutTlsSurvivesTheApiRoundTrip) {
  std::string doc = R"({"schema":1,"checks":[{"id":"clear","type":"smtp","host":"10.0.2.2",)"
                    R"("username":"u","password":"p","allow_auth_without_tls":true}]})";
  FixedText<512> shown;
  ASSERT_TRUE(write_masked_config(doc, shown).ok());
  EXPECT_NE(shown.view().find(R"("allow_auth_without_tls":true)"), std::string_view::npos);
  FixedText<512> restored;
  ConfigErrors errors;
  ASSERT_TRUE(restore_secrets(shown.view(), doc, restored, errors).ok());
  auto p = parse(std::string(restored.view()));
  ASSERT_TRUE(p->status.ok());
  EXPECT_TRUE(p->config->find_check("clear")->allow_auth_without_tls);
  EXPECT_EQ(p->config->text(p->config->find_check("clear")->password), "p");
}

TEST(ConfigValidators, Ipv4) {
  uint32_t ip = 0;
  EXPECT_TRUE(parse_ipv4("10.0.2.2", ip));
  EXPECT_EQ(ip, 0x0A000202u);
  EXPECT_FALSE(parse_ipv4("10.0.2", ip));
  EXPECT_FALSE(parse_ipv4("10.0.2.256", ip));
  EXPECT_FALSE(parse_ipv4("10.0.2.2.", ip));
  EXPECT_FALSE(parse_ipv4("010.0.2.2", ip));
  EXPECT_FALSE(parse_ipv4("", ip));
}

TEST(ConfigValidators, Iso8601Utc) {
  int64_t t = 0;
  EXPECT_TRUE(parse_iso8601_utc("1970-01-01T00:00:00Z", t));
  EXPECT_EQ(t, 0);
  EXPECT_TRUE(parse_iso8601_utc("2026-11-22T10:04:05Z", t));
  EXPECT_EQ(t, 1795341845);
  EXPECT_TRUE(parse_iso8601_utc("2024-02-29T00:00:00Z", t));
  EXPECT_EQ(t, 1709164800);
  EXPECT_TRUE(parse_iso8601_utc("2040-01-01T00:00:00Z", t));
  EXPECT_EQ(t, 2208988800);
  EXPECT_FALSE(parse_iso8601_utc("2025-02-29T00:00:00Z", t));
  EXPECT_FALSE(parse_iso8601_utc("2026-11-22T24:00:00Z", t));
  EXPECT_FALSE(parse_iso8601_utc("2026-11-22T10:04:05+01:00", t));
}

TEST(ConfigValidators, HostPort) {
  std::string_view host;
  uint16_t port = 53;
  EXPECT_TRUE(split_host_port("10.0.2.2", host, port));
  EXPECT_EQ(port, 53);
  EXPECT_TRUE(split_host_port("10.0.2.2:5353", host, port));
  EXPECT_EQ(host, "10.0.2.2");
  EXPECT_EQ(port, 5353);
  EXPECT_FALSE(split_host_port("10.0.2.2:0", host, port));
  EXPECT_FALSE(split_host_port("10.0.2.2:65536", host, port));
  EXPECT_FALSE(split_host_port(":53", host, port));
}

TEST(ConfigValidators, MailAddress) {
  for (const char* good : {"ops@example.com", "probe-01@example.com", "a.b+tag@mail.example.org", "o'brien@x.example",
                           "x@localhost"}) {
    EXPECT_TRUE(is_valid_mail_address(good)) << good;
  }
  for (const char* bad : {"", "ops", "@example.com", "ops@", "ops@example.com>", "<ops@example.com>",
                          "ops@example.com> NOTIFY=NEVER", "a@b@example.com", ".a@example.com", "a.@example.com",
                          "a..b@example.com", "\"a b\"@example.com", "ops@exa mple.com", "ops@*.example.com",
                          "ops@example.com\r\nRCPT TO:<x@evil.example>", "op\xc3\xa9@example.com", "a:b@example.com",
                          "ops@ex_ample.com", "ops@[10.0.0.1]"}) {
    EXPECT_FALSE(is_valid_mail_address(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_mail_address(std::string(65, 'a') + "@example.com"));
}

TEST(ConfigValidators, CheckIdAndHostname) {
  EXPECT_TRUE(is_valid_check_id("prod.dns.manage"));
  EXPECT_FALSE(is_valid_check_id("Prod"));
  EXPECT_FALSE(is_valid_check_id(std::string(33, 'a')));
  EXPECT_TRUE(is_valid_hostname("manage.lab.test"));
  EXPECT_TRUE(is_valid_hostname("manage.lab.test."));
  EXPECT_FALSE(is_valid_hostname("-bad.lab.test"));
  EXPECT_FALSE(is_valid_hostname("a..b"));
  EXPECT_FALSE(is_valid_hostname(std::string(64, 'a') + ".test"));
}

}  // namespace
}  // namespace probebox

namespace probebox {
namespace {

// URLs and host:port endpoints are parsed once, at load: a URL the http probe cannot
// request used to pass the config and fail at every run ("the URL cannot be
// requested"); it is now a config error with its path.
TEST(ConfigTypedTargets, ABadUrlIsAConfigErrorWithItsPath) {
  for (const char* url : {"http://", "https://:443/", "http://host:0/", "http://host:65536/", "http://user@host/",
                          "http://host:80x/", "http://ho st/", "https://host:/x"}) {
    auto p = parse(std::string(R"({"schema":1,"checks":[{"id":"ok","type":"tcp","host":"10.0.2.2","port":1},)") +
                   R"({"id":"h","type":"http","url":")" + url + R"("}]})");
    ASSERT_FALSE(p->status.ok()) << url;
    ASSERT_GE(p->errors.count(), 1u) << url;
    EXPECT_EQ(p->errors.at(0).path.view(), "checks[1].url") << url;
  }
}

TEST(ConfigTypedTargets, AnHttpUrlIsSplitIntoHostPortSchemeAndPath) {
  auto p = parse(R"({"schema":1,"checks":[
    {"id":"a","type":"http","url":"https://manage.lab.test:8443/health/status?x=1"},
    {"id":"b","type":"http","url":"http://10.0.2.2"},
    {"id":"c","type":"http","url":"https://[::1]:8443/"}]})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const Config& c = *p->config;
  EXPECT_TRUE(c.checks[0].https);
  EXPECT_EQ(c.text(c.checks[0].host), "manage.lab.test");
  EXPECT_EQ(c.checks[0].port, 8443);
  EXPECT_EQ(c.text(c.checks[0].path), "/health/status?x=1");
  EXPECT_FALSE(c.checks[1].https);
  EXPECT_EQ(c.text(c.checks[1].host), "10.0.2.2");
  EXPECT_EQ(c.checks[1].port, 80);
  EXPECT_TRUE(c.checks[1].path.empty()) << "no path stands for /";
  EXPECT_EQ(c.text(c.checks[2].host), "[::1]");  // as before: the part before the last ':'
  EXPECT_EQ(c.checks[2].port, 8443);
}

TEST(ConfigTypedTargets, ResolversAndTheSyslogServerAreSplitAtLoad) {
  auto p = parse(R"({"schema":1,"network":{"mode":"dhcp","dns":["192.0.2.53:5353","198.51.100.53:5353"]},
    "alerts":{"syslog":{"server":"logs.lab.test:5514"}}})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const Config& c = *p->config;
  EXPECT_EQ(c.network.resolvers[0].ip, 0xC0000235u);
  EXPECT_EQ(c.network.resolvers[0].port, 5353);
  EXPECT_EQ(c.network.resolvers[1].ip, 0xC6336435u);
  EXPECT_EQ(c.text(c.alerts.syslog_host), "logs.lab.test");
  EXPECT_EQ(c.alerts.syslog_port, 5514);
  auto q = parse(R"({"schema":1,"alerts":{"syslog":{"server":"10.0.2.2"}}})");
  ASSERT_TRUE(q->status.ok());
  EXPECT_EQ(q->config->text(q->config->alerts.syslog_host), "10.0.2.2");
  EXPECT_EQ(q->config->alerts.syslog_port, 514);
}

// network.ntp for the box's own SNTP client: the address entries, parsed once.
TEST(ConfigTypedTargets, ClockServersKeepTheNtpIpv4LiteralsInOrderUpToFour) {
  auto p = parse(R"({"schema":1,"network":{"mode":"dhcp","ntp":
    ["192.0.2.123","time.lab.test","198.51.100.7:1123","192.0.2.3","192.0.2.4","192.0.2.5"]}})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const NetworkConfig& n = p->config->network;
  ASSERT_EQ(n.clock_server_count, 4) << "a name serves an ntp check, not the box's clock";
  EXPECT_EQ(n.clock_servers[0].ip, 0xC000027Bu);
  EXPECT_EQ(n.clock_servers[0].port, 123);
  EXPECT_EQ(n.clock_servers[1].ip, 0xC6336407u);
  EXPECT_EQ(n.clock_servers[1].port, 1123);
  EXPECT_EQ(n.clock_servers[3].ip, 0xC0000204u);
  EXPECT_EQ(parse(R"({"schema":1})")->config->network.clock_server_count, 0);
}

TEST(ConfigTypedTargets, TrapTargetsKeepTheirIpv4LiteralsInOrderUpToFour) {
  auto p = parse(R"({"schema":1,"alerts":{"snmp":{"community":"public","trap_to":
    ["192.0.2.1","traps.lab.test:1162","198.51.100.2:1162","192.0.2.3:9","192.0.2.4","192.0.2.5"]}}})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const AlertsConfig& a = p->config->alerts;
  ASSERT_EQ(a.trap_target_count, 4) << "a name is kept in the list but has no literal to send to";
  EXPECT_EQ(a.trap_targets[0].ip, 0xC0000201u);
  EXPECT_EQ(a.trap_targets[0].port, 162);
  EXPECT_EQ(a.trap_targets[1].ip, 0xC6336402u);
  EXPECT_EQ(a.trap_targets[1].port, 1162);
  EXPECT_EQ(a.trap_targets[2].port, 9);
  EXPECT_EQ(a.trap_targets[3].ip, 0xC0000204u);
  auto q = parse(R"({"schema":1})");
  EXPECT_EQ(q->config->alerts.trap_target_count, 0);
}

}  // namespace
}  // namespace probebox
