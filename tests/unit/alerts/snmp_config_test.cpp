// alerts.snmp in the config: what turns each SNMP version on, and its secrets.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_errors.h"
#include "config/config_parser.h"
#include "config/config_view.h"

namespace probebox {
namespace {

struct Parsed {
  std::unique_ptr<Config> config = std::make_unique<Config>();
  ConfigErrors errors;
  Status status;
};

std::unique_ptr<Parsed> parse(const std::string& snmp) {
  auto p = std::make_unique<Parsed>();
  std::string json = R"({"schema":1)" + (snmp.empty() ? std::string() : R"(,"alerts":{"snmp":)" + snmp + "}") + "}";
  p->status = parse_config(json, *p->config, p->errors);
  return p;
}

bool has_error(const Parsed& p, std::string_view path) {
  for (size_t i = 0; i < p.errors.count(); ++i) {
    if (p.errors.at(i).path.view() == path) return true;
  }
  return false;
}

TEST(SnmpConfig, NothingIsOnByDefault) {
  auto p = parse("");
  ASSERT_TRUE(p->status.ok());
  EXPECT_TRUE(p->config->alerts.snmp_community.empty());
  EXPECT_TRUE(p->config->alerts.snmp_v3_user.empty());
  auto traps_only = parse(R"({"trap_to":["10.0.2.2:1162"]})");
  ASSERT_TRUE(traps_only->status.ok());
  EXPECT_TRUE(traps_only->config->alerts.snmp_community.empty());
}

TEST(SnmpConfig, CommunitiesAndTheV3UserLoad) {
  auto p = parse(R"({"community":"rack-b4","trap_community":"traps-b4","trap_to":["10.0.2.2"],
                     "v3":{"user":"nms","auth_password":"auth-pass-1","priv_password":"priv-pass-1"}})");
  ASSERT_TRUE(p->status.ok()) << p->errors.at(0).path.c_str() << ": " << p->errors.at(0).message.c_str();
  const Config& c = *p->config;
  EXPECT_EQ(c.text(c.alerts.snmp_community), "rack-b4");
  EXPECT_EQ(c.text(c.alerts.snmp_trap_community), "traps-b4");
  EXPECT_EQ(c.text(c.alerts.snmp_v3_user), "nms");
  EXPECT_EQ(c.text(c.alerts.snmp_v3_auth_password), "auth-pass-1");
  EXPECT_EQ(c.text(c.alerts.snmp_v3_priv_password), "priv-pass-1");
}

TEST(SnmpConfig, V3NeedsTheUserAndBothPasswordsOfEightOrMore) {
  auto missing = parse(R"({"v3":{"user":"nms","auth_password":"auth-pass-1"}})");
  EXPECT_FALSE(missing->status.ok());
  EXPECT_TRUE(has_error(*missing, "alerts.snmp.v3.priv_password"));
  auto no_user = parse(R"({"v3":{"auth_password":"auth-pass-1","priv_password":"priv-pass-1"}})");
  EXPECT_TRUE(has_error(*no_user, "alerts.snmp.v3.user"));
  auto short_password = parse(R"({"v3":{"user":"nms","auth_password":"short","priv_password":"priv-pass-1"}})");
  EXPECT_TRUE(has_error(*short_password, "alerts.snmp.v3.auth_password"));
  auto unknown = parse(R"({"v3":{"user":"nms","auth_password":"auth-pass-1","priv_password":"priv-pass-1","auth":"MD5"}})");
  EXPECT_TRUE(has_error(*unknown, "alerts.snmp.v3.auth"));
  auto empty_community = parse(R"({"community":""})");
  EXPECT_TRUE(has_error(*empty_community, "alerts.snmp.community"));
  auto long_community = parse(R"({"community":")" + std::string(33, 'c') + R"("})");
  EXPECT_TRUE(has_error(*long_community, "alerts.snmp.community"));
  auto write_community = parse(R"({"write_community":"private"})");
  EXPECT_TRUE(has_error(*write_community, "alerts.snmp.write_community")) << "there is no write access to configure";
}

TEST(SnmpConfig, CommunitiesAndV3PasswordsAreMaskedSecrets) {
  FixedText<1024> out;
  ASSERT_TRUE(write_masked_config(R"({"alerts":{"snmp":{"community":"rack-b4","trap_community":"traps-b4",)"
                                  R"("v3":{"user":"nms","auth_password":"auth-pass-1","priv_password":"priv-pass-1"}}}})",
                                  out)
                  .ok());
  EXPECT_EQ(out.view(), R"({"alerts":{"snmp":{"community":"********","trap_community":"********",)"
                        R"("v3":{"user":"nms","auth_password":"********","priv_password":"********"}}}})");
}

TEST(SnmpConfig, APutWithThePlaceholderKeepsTheStoredCommunity) {
  std::string stored = R"({"alerts":{"snmp":{"community":"rack-b4","v3":{"user":"nms",)"
                       R"("auth_password":"auth-pass-1","priv_password":"priv-pass-1"}}}})";
  std::string incoming = R"({"alerts":{"snmp":{"community":"********","trap_to":["10.0.2.2"],"v3":{"user":"nms",)"
                         R"("auth_password":"********","priv_password":"new-priv-pass"}}}})";
  FixedText<1024> out;
  ConfigErrors errors;
  ASSERT_TRUE(restore_secrets(incoming, stored, out, errors).ok());
  EXPECT_EQ(out.view(), R"({"alerts":{"snmp":{"community":"rack-b4","trap_to":["10.0.2.2"],"v3":{"user":"nms",)"
                        R"("auth_password":"auth-pass-1","priv_password":"new-priv-pass"}}}})");
}

TEST(SnmpConfig, TheTrapCommunityDoesNotFollowANewTrapReceiver) {
  // The trap community is sent to trap_to: a PUT that moves the traps elsewhere must
  // give it again, or a session could send it to an address of its choosing.
  std::string stored = R"({"alerts":{"snmp":{"trap_community":"traps-b4","trap_to":["10.0.2.2"]}}})";
  std::string incoming = R"({"alerts":{"snmp":{"trap_community":"********","trap_to":["10.0.2.9"]}}})";
  FixedText<1024> out;
  ConfigErrors errors;
  EXPECT_FALSE(restore_secrets(incoming, stored, out, errors).ok());
  EXPECT_FALSE(errors.empty());
}

}  // namespace
}  // namespace probebox
