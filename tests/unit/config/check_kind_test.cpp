// The kind table (core/check_types.h rows, the per-kind config keys in
// config/config_parser.cpp): what each kind is called, defaults to and accepts.
#include "config/config_parser.h"
#include "core/check_types.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace probebox {
namespace {

constexpr CheckType kAll[] = {CheckType::kTcp,     CheckType::kDns,  CheckType::kHttp,
                              CheckType::kTlsCert, CheckType::kSmtp, CheckType::kNtp};
static_assert(std::size(kAll) == kCheckTypeCount);

TEST(CheckKind, NamesRoundTripAndAreDistinct) {
  std::set<std::string> seen;
  for (CheckType t : kAll) {
    const CheckKind& k = check_kind(t);
    EXPECT_EQ(k.type, t);
    EXPECT_EQ(k.name, check_type_name(t));
    EXPECT_EQ(parse_check_type(k.name), t);
    EXPECT_TRUE(seen.insert(std::string(k.name)).second) << k.name;
  }
  EXPECT_EQ(parse_check_type("icmp"), std::nullopt);
}

TEST(CheckKind, DefaultsAndFlags) {
  struct Row {
    CheckType type;
    const char* name;
    Group group;
    uint16_t port;
    TlsUse tls;
    bool wall_clock;
  };
  const Row rows[] = {
      {CheckType::kTcp, "tcp", Group::kPorts, 0, TlsUse::kNever, false},
      {CheckType::kDns, "dns", Group::kDns, 53, TlsUse::kNever, false},
      {CheckType::kHttp, "http", Group::kHealth, 0, TlsUse::kHttpsUrl, false},
      {CheckType::kTlsCert, "tls_cert", Group::kCert, 443, TlsUse::kAlways, true},
      {CheckType::kSmtp, "smtp", Group::kSmtp, 25, TlsUse::kAlways, false},
      {CheckType::kNtp, "ntp", Group::kTime, 123, TlsUse::kNever, false},
  };
  for (const Row& r : rows) {
    const CheckKind& k = check_kind(r.type);
    EXPECT_EQ(k.name, r.name);
    EXPECT_EQ(k.default_group, r.group) << r.name;
    EXPECT_EQ(default_group(r.type), r.group) << r.name;
    EXPECT_EQ(k.default_port, r.port) << r.name;
    EXPECT_EQ(k.tls, r.tls) << r.name;
    EXPECT_EQ(k.needs_wall_clock, r.wall_clock) << r.name;
  }
}

struct Parsed {
  std::unique_ptr<Config> config = std::make_unique<Config>();
  ConfigErrors errors;
  Status status;
};

std::unique_ptr<Parsed> parse_check(const std::string& check_members) {
  auto p = std::make_unique<Parsed>();
  p->status = parse_config(R"({"schema":1,"checks":[{"id":"c",)" + check_members + "}]}", *p->config, p->errors);
  return p;
}

// The minimal valid check of each kind.
std::string minimal(CheckType t) {
  switch (t) {
    case CheckType::kTcp: return R"("type":"tcp","host":"10.0.2.2","port":1)";
    case CheckType::kDns: return R"("type":"dns","server":"10.0.2.2","name":"a.test")";
    case CheckType::kHttp: return R"("type":"http","url":"http://10.0.2.2/")";
    case CheckType::kTlsCert: return R"("type":"tls_cert","host":"10.0.2.2")";
    case CheckType::kSmtp: return R"("type":"smtp","host":"10.0.2.2")";
    case CheckType::kNtp: return R"("type":"ntp","server":"10.0.2.2")";
  }
  return "";
}

TEST(CheckKind, MinimalCheckOfEveryKindLoadsWithItsDefaults) {
  for (CheckType t : kAll) {
    auto p = parse_check(minimal(t));
    ASSERT_TRUE(p->status.ok()) << check_type_name(t) << ": " << p->errors.at(0).path.c_str() << ": "
                                << p->errors.at(0).message.c_str();
    const CheckConfig& c = p->config->checks[0];
    EXPECT_EQ(c.type, t);
    EXPECT_EQ(c.group, check_kind(t).default_group);
    // tcp's port is required (1 here); http's comes from its url (split at load); the
    // others fall back to the kind's port.
    uint16_t want = t == CheckType::kTcp ? 1 : t == CheckType::kHttp ? 80 : check_kind(t).default_port;
    EXPECT_EQ(c.port, want) << check_type_name(t);
  }
}

// Each kind-specific key with a value valid for every kind that takes it, and the
// kinds that take it: any other kind must reject it as unknown.
TEST(CheckKind, EachKindAcceptsExactlyItsKeys) {
  struct Key {
    const char* member;
    std::vector<CheckType> kinds;
  };
  const Key keys[] = {
      {R"("host":"192.0.2.3")", {CheckType::kTcp, CheckType::kTlsCert, CheckType::kSmtp}},
      {R"("port":2)", {CheckType::kTcp, CheckType::kTlsCert, CheckType::kSmtp}},
      {R"("expect":"closed")", {CheckType::kTcp}},
      {R"("server":"192.0.2.3")", {CheckType::kDns, CheckType::kNtp}},
      {R"("name":"b.test")", {CheckType::kDns}},
      {R"("record":"AAAA")", {CheckType::kDns}},
      {R"("expect_addresses":[])", {CheckType::kDns}},
      {R"("url":"http://192.0.2.3/")", {CheckType::kHttp}},
      {R"("host_header":"a.test")", {CheckType::kHttp}},
      {R"("username":"u")", {CheckType::kHttp, CheckType::kSmtp}},
      {R"("password":"p")", {CheckType::kHttp, CheckType::kSmtp}},
      {R"("expect_status":[200])", {CheckType::kHttp}},
      {R"("warn_status":[503])", {CheckType::kHttp}},
      {R"("expect_body":"ok")", {CheckType::kHttp}},
      {R"("server_name":"a.test")", {CheckType::kTlsCert, CheckType::kSmtp}},
      {R"("names":["a.test"])", {CheckType::kTlsCert}},
      {R"("same_cert_as":[])", {CheckType::kTlsCert}},
      {R"("distinct_from":[])", {CheckType::kTlsCert}},
      {R"("full_handshake":true)", {CheckType::kTlsCert}},
      {R"("starttls":"require")", {CheckType::kSmtp}},
      {R"("allow_auth_without_tls":true)", {CheckType::kSmtp}},
  };
  for (const Key& key : keys) {
    for (CheckType t : kAll) {
      auto p = parse_check(minimal(t) + "," + key.member);
      bool accepted = false;
      for (CheckType k : key.kinds) accepted = accepted || k == t;
      std::string unknown = std::string("unknown key for a ") + std::string(check_type_name(t)) + " check";
      bool said_unknown = false;
      for (size_t i = 0; i < p->errors.count(); ++i) {
        said_unknown = said_unknown || p->errors.at(i).message.view() == unknown;
      }
      EXPECT_EQ(said_unknown, !accepted) << check_type_name(t) << " with " << key.member;
      // smtp's username and password go together, and a key the minimal check already
      // has is a duplicate; every other accepted key loads.
      const std::string name = std::string(key.member).substr(0, std::string(key.member).find(':'));
      if (minimal(t).find(name) != std::string::npos) continue;
      bool pair_rule = t == CheckType::kSmtp && (std::string(key.member).find("username") != std::string::npos ||
                                                 std::string(key.member).find("password") != std::string::npos);
      if (accepted && !pair_rule) EXPECT_TRUE(p->status.ok()) << check_type_name(t) << " with " << key.member;
    }
  }
}

TEST(CheckKind, UsernameAndPasswordMeanWhatTheirKindMeans) {
  auto http = parse_check(minimal(CheckType::kHttp) + R"(,"username":"hu","password":"hp")");
  ASSERT_TRUE(http->status.ok());
  const Config& hc = *http->config;
  EXPECT_EQ(hc.text(hc.checks[0].basic_user), "hu");
  EXPECT_EQ(hc.text(hc.checks[0].basic_password), "hp");
  // (username and password are smtp's fields, in another arm of the kind union:
  // an http check has none to read.)

  auto smtp = parse_check(minimal(CheckType::kSmtp) + R"(,"username":"su","password":"sp")");
  ASSERT_TRUE(smtp->status.ok());
  const Config& sc = *smtp->config;
  EXPECT_EQ(sc.text(sc.checks[0].username), "su");
  EXPECT_EQ(sc.text(sc.checks[0].password), "sp");

  // http's user name may not hold ':' (Basic auth); smtp's may.
  EXPECT_FALSE(parse_check(minimal(CheckType::kHttp) + R"(,"username":"a:b")")->status.ok());
  EXPECT_TRUE(parse_check(minimal(CheckType::kSmtp) + R"(,"username":"a:b","password":"p")")->status.ok());
}

TEST(CheckKind, ServerTakesTheKindsDefaultPort) {
  auto dns = parse_check(R"("type":"dns","server":"10.0.2.2","name":"a.test")");
  auto ntp = parse_check(R"("type":"ntp","server":"10.0.2.2")");
  auto ntp_port = parse_check(R"("type":"ntp","server":"10.0.2.2:12300")");
  ASSERT_TRUE(dns->status.ok() && ntp->status.ok() && ntp_port->status.ok());
  EXPECT_EQ(dns->config->checks[0].port, 53);
  EXPECT_EQ(ntp->config->checks[0].port, 123);
  EXPECT_EQ(ntp_port->config->checks[0].port, 12300);
}

TEST(CheckKind, UnknownTypeListsEveryKind) {
  auto p = parse_check(R"("type":"icmp")");
  ASSERT_FALSE(p->status.ok());
  ASSERT_GE(p->errors.count(), 1u);
  EXPECT_EQ(p->errors.at(0).path.view(), "checks[0].type");
  EXPECT_EQ(p->errors.at(0).message.view(), "must be one of tcp, dns, http, tls_cert, smtp, ntp");
}

}  // namespace
}  // namespace probebox
