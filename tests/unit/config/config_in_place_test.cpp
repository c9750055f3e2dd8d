// A config read in place (parse_config_in_place(): the box's way, from the stored
// slot in memory-mapped flash) reads back exactly as a copied one, refers to its
// plain strings where they lie in the document, copies only what it must
// (escaped strings, what the appliance profile builds), and follows the document
// when it is moved (the stored copy of a document given at start).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

const std::string kDoc = R"({"schema":1,
  "device":{"name":"probe-01","location":"rack \"B4\""},
  "trust_anchors_pem":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  "alerts":{"syslog":{"server":"10.0.2.2:5514"}},
  "appliance":{"name":"prod","load_balancer":"192.0.2.10",
    "domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
                    "webtask":"webtask.example.com","app_tenants":["app1.example.com"]}},
  "checks":[
    {"id":"web","type":"http","url":"https://portal.example.com:8443/healthz?deep=1",
     "expect_status":[200,204],"expect_body":"\"status\":\"ok\""},
    {"id":"cert","type":"tls_cert","host":"api.example.com","names":["api.example.com","www.example.com"]},
    {"id":"dns","type":"dns","server":"10.0.2.2:5353","name":"manage.lab.test","expect_addresses":["127.0.0.1"]}
  ]})";

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// Every string of one config equals the other's.
void expect_same_texts(const Config& a, const Config& b) {
  EXPECT_EQ(a.text(a.device_name), b.text(b.device_name));
  EXPECT_EQ(a.text(a.device_location), b.text(b.device_location));
  EXPECT_EQ(a.text(a.trust_anchors_pem), b.text(b.trust_anchors_pem));
  EXPECT_EQ(a.text(a.alerts.syslog_server), b.text(b.alerts.syslog_server));
  EXPECT_EQ(a.text(a.alerts.syslog_host), b.text(b.alerts.syslog_host));
  ASSERT_EQ(a.check_count, b.check_count);
  for (uint16_t i = 0; i < a.check_count; ++i) {
    const CheckConfig& x = a.checks[i];
    const CheckConfig& y = b.checks[i];
    EXPECT_EQ(a.text(x.id), b.text(y.id));
    EXPECT_EQ(a.text(x.host), b.text(y.host));
    ASSERT_EQ(x.type, y.type);
    // The kind's own fields (CheckConfig's union), read by the kind as the firmware does.
    if (x.type == CheckType::kHttp) {
      EXPECT_EQ(a.text(x.url), b.text(y.url));
      EXPECT_EQ(a.text(x.path), b.text(y.path));
      EXPECT_EQ(a.text(x.host_header), b.text(y.host_header));
      EXPECT_EQ(a.text(x.expect_body), b.text(y.expect_body));
      std::array<uint16_t, CheckConfig::kMaxStatusCodes> xs{}, ys{};
      ASSERT_EQ(a.status_codes(x.expect_status, xs), b.status_codes(y.expect_status, ys));
      EXPECT_EQ(xs, ys);
      ASSERT_EQ(a.status_codes(x.warn_status, xs), b.status_codes(y.warn_status, ys));
      EXPECT_EQ(xs, ys);
    } else if (x.type == CheckType::kDns) {
      EXPECT_EQ(a.text(x.name), b.text(y.name));
      ASSERT_EQ(x.expect_addresses.count, y.expect_addresses.count);
      for (uint16_t k = 0; k < x.expect_addresses.count; ++k) {
        EXPECT_EQ(a.text(a.list_item(x.expect_addresses, k)), b.text(b.list_item(y.expect_addresses, k)));
      }
    } else if (x.type == CheckType::kSmtp) {
      EXPECT_EQ(a.text(x.server_name), b.text(y.server_name));
      EXPECT_EQ(a.text(x.username), b.text(y.username));
      EXPECT_EQ(a.text(x.password), b.text(y.password));
    } else if (x.type == CheckType::kTlsCert) {
      EXPECT_EQ(a.text(x.server_name), b.text(y.server_name));
      ASSERT_EQ(x.names.count, y.names.count);
      for (uint16_t k = 0; k < x.names.count; ++k) {
        EXPECT_EQ(a.text(a.list_item(x.names, k)), b.text(b.list_item(y.names, k)));
      }
    }
  }
}

TEST(ConfigInPlace, ReadsBackAsTheCopyAndCopiesOnlyWhatItMust) {
  auto copied = std::make_unique<Config>();
  auto in_place = std::make_unique<Config>();
  ConfigErrors errors;
  ASSERT_TRUE(parse_config(kDoc, *copied, errors).ok()) << errors.at(0).path.view() << errors.at(0).message.view();
  ASSERT_TRUE(parse_config_in_place(kDoc, *in_place, errors).ok());
  expect_same_texts(*copied, *in_place);
  EXPECT_GT(in_place->check_count, 3);  // the profile's checks too
  EXPECT_LT(in_place->arena_used(), copied->arena_used());

  const Config& c = *in_place;
  // Plain strings lie in the document; escaped ones were unescaped into the arena.
  EXPECT_TRUE(within(c.text(c.device_name), kDoc));
  EXPECT_TRUE(within(c.text(c.find_check("web")->url), kDoc));
  EXPECT_TRUE(within(c.text(c.find_check("web")->path), kDoc));
  EXPECT_TRUE(within(c.text(c.list_item(c.find_check("cert")->names, 1)), kDoc));
  EXPECT_FALSE(within(c.text(c.device_location), kDoc));
  EXPECT_EQ(c.text(c.device_location), "rack \"B4\"");
  EXPECT_FALSE(within(c.text(c.find_check("web")->expect_body), kDoc));
  EXPECT_FALSE(within(c.text(c.trust_anchors_pem), kDoc));
  EXPECT_EQ(c.text(c.find_check("web")->expect_body), "\"status\":\"ok\"");

  // The copying parse refers to nothing of the document.
  EXPECT_FALSE(within(copied->text(copied->device_name), kDoc));
}

// A document given at start is run from its stored copy: same bytes, another place.
TEST(ConfigInPlace, FollowsTheDocumentToItsCopy) {
  std::string first = kDoc;
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  ASSERT_TRUE(parse_config_in_place(first, *config, errors).ok());
  std::string stored = first;
  config->move_text(stored);
  std::memset(first.data(), 'x', first.size());  // the first place is gone
  EXPECT_EQ(config->text(config->device_name), "probe-01");
  EXPECT_TRUE(within(config->text(config->device_name), stored));
  EXPECT_EQ(config->text(config->find_check("web")->url), "https://portal.example.com:8443/healthz?deep=1");
  // A copy of the model reads the same document.
  auto copy = std::make_unique<Config>();
  *copy = *config;
  EXPECT_TRUE(within(copy->text(copy->find_check("dns")->name), stored));
  // A copying parse into the same model refers to no document afterwards.
  ASSERT_TRUE(parse_config(R"({"schema":1,"device":{"name":"other"}})", *config, errors).ok());
  EXPECT_EQ(config->in_place_text(), nullptr);
  EXPECT_EQ(config->text(config->device_name), "other");
}

// A string with a raw control character is refused as before, read in place or not.
TEST(ConfigInPlace, ControlCharactersAreRefusedAsWhenCopied) {
  const std::string doc = std::string(R"({"schema":1,"device":{"name":"a)") + '\t' + R"(b"}})";
  auto config = std::make_unique<Config>();
  ConfigErrors copied_errors, errors;
  EXPECT_FALSE(parse_config(doc, *config, copied_errors).ok());
  EXPECT_FALSE(parse_config_in_place(doc, *config, errors).ok());
  ASSERT_EQ(errors.count(), copied_errors.count());
  ASSERT_GT(errors.count(), 0u);
  EXPECT_EQ(errors.at(0).path.view(), copied_errors.at(0).path.view());
  EXPECT_EQ(errors.at(0).message.view(), copied_errors.at(0).message.view());
}

}  // namespace
}  // namespace probebox
