// The cross-check gate: which checks wait for each other, and when a set is complete.
#include "monitor/cross_check_gate.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

std::unique_ptr<Config> parse(const std::string& checks) {
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  std::string doc = R"({"schema":1,"defaults":{"interval_s":30},"checks":)" + checks + "}";
  EXPECT_TRUE(parse_config(doc, *config, errors).ok()) << errors.at(0).path.c_str() << " " << errors.at(0).message.c_str();
  return config;
}

constexpr const char* kSets = R"([
  {"id":"lb","type":"tls_cert","host":"10.0.2.2","server_name":"a.test"},
  {"id":"n1","type":"tls_cert","host":"10.0.2.2","server_name":"a.test","same_cert_as":["lb"]},
  {"id":"lone","type":"tls_cert","host":"10.0.2.2","server_name":"a.test"},
  {"id":"n2","type":"tls_cert","host":"10.0.2.2","server_name":"a.test","same_cert_as":["n1"]},
  {"id":"dev","type":"tls_cert","host":"10.0.2.2","server_name":"a.test","distinct_from":["n2"]},
  {"id":"mx","type":"tcp","host":"10.0.2.2","port":25},
  {"id":"x1","type":"tls_cert","host":"10.0.2.2","server_name":"b.test","interval_s":60},
  {"id":"x2","type":"tls_cert","host":"10.0.2.2","server_name":"b.test","same_cert_as":["x1"]}
])";

TEST(CrossCheckGate, ChecksThatNameEachOtherTransitivelyFormOneSet) {
  auto config = parse(kSets);
  CrossCheckGate gate;
  gate.load(*config);
  EXPECT_TRUE(gate.same_set(0, 1));
  EXPECT_TRUE(gate.same_set(0, 3));  // n2 -> n1 -> lb
  EXPECT_TRUE(gate.same_set(0, 4));  // dev must differ from n2: judged with it
  EXPECT_FALSE(gate.gated(2));       // names nobody, named by nobody
  EXPECT_FALSE(gate.gated(5));
  EXPECT_TRUE(gate.same_set(6, 7));
  EXPECT_FALSE(gate.same_set(0, 6));
}

TEST(CrossCheckGate, ASetIsCompleteOnlyWhenEveryMemberArrivedWhateverTheOrder) {
  auto config = parse(kSets);
  for (const auto& order : {std::vector<uint16_t>{0, 1, 3, 4}, {4, 3, 1, 0}, {3, 0, 4, 1}}) {
    CrossCheckGate gate;
    gate.load(*config);
    for (size_t k = 0; k < order.size(); ++k) {
      EXPECT_EQ(gate.arrive(order[k], 1000 + static_cast<int64_t>(k)), k + 1 == order.size());
    }
    gate.clear_set(0);
    for (uint16_t i : order) EXPECT_FALSE(gate.arrived(i));
  }
}

TEST(CrossCheckGate, AMemberArrivingTwiceDoesNotCompleteTheSetAlone) {
  auto config = parse(kSets);
  CrossCheckGate gate;
  gate.load(*config);
  EXPECT_FALSE(gate.arrive(6, 1));
  EXPECT_FALSE(gate.arrive(6, 2));
  EXPECT_TRUE(gate.arrive(7, 3));
}

TEST(CrossCheckGate, ASetWaitsAtMostTwiceItsLongestInterval) {
  auto config = parse(kSets);
  CrossCheckGate gate;
  gate.load(*config);
  const int64_t s = 1'000'000;
  EXPECT_EQ(gate.overdue(10 * s), CrossCheckGate::kNone);  // nothing waiting
  EXPECT_EQ(gate.next_overdue(), INT64_MAX);
  gate.arrive(7, 10 * s);
  EXPECT_EQ(gate.overdue(10 * s + 120 * s), CrossCheckGate::kNone);  // x1 runs every 60 s
  EXPECT_EQ(gate.overdue(10 * s + 121 * s), 6);
  // The loop's sleep ends exactly when overdue() first answers (strictly past 120 s).
  EXPECT_EQ(gate.next_overdue(), 10 * s + 120 * s + 1);
  EXPECT_EQ(gate.overdue(gate.next_overdue() - 1), CrossCheckGate::kNone);
  EXPECT_EQ(gate.overdue(gate.next_overdue()), 6);
  gate.clear_set(6);
  EXPECT_EQ(gate.overdue(1000 * s), CrossCheckGate::kNone);
  EXPECT_EQ(gate.next_overdue(), INT64_MAX);
}

// The appliance profile's load balancer /testall waits for every node's /testall of
// the same cycle (monitor/lb_health), whichever finishes first; the health API
// endpoints and the mesh ports do not wait.
TEST(CrossCheckGate, TheLoadBalancersTestallWaitsForEveryNodesTestall) {
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  ASSERT_TRUE(parse_config(R"({"schema":1,"appliance":{"name":"prod","load_balancer":"192.0.2.10",
      "nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],"egress":[],"health_api_key":"k",
      "domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
                      "webtask":"webtask.example.com","app_tenants":["app1.example.com"]}}})",
                           *config, errors).ok());
  auto at = [&](const char* id) {
    for (uint16_t i = 0; i < config->check_count; ++i) {
      if (config->text(config->checks[i].id) == id) return i;
    }
    ADD_FAILURE() << id;
    return uint16_t{0};
  };
  CrossCheckGate gate;
  gate.load(*config);
  const uint16_t lb = at("prod.lb.testall");
  const uint16_t nodes[] = {at("prod.node1.testall"), at("prod.node2.testall"), at("prod.node3.testall")};
  for (uint16_t n : nodes) EXPECT_TRUE(gate.same_set(lb, n));
  EXPECT_FALSE(gate.same_set(lb, at("prod.cert.manage")));  // the certificates are a set of their own
  EXPECT_FALSE(gate.gated(at("prod.node1.health.services")));
  EXPECT_FALSE(gate.gated(at("prod.node1.7777")));
  EXPECT_FALSE(gate.arrive(nodes[2], 1));
  EXPECT_FALSE(gate.arrive(lb, 2));
  EXPECT_FALSE(gate.arrive(nodes[0], 3));
  EXPECT_TRUE(gate.arrive(nodes[1], 4));
}

}  // namespace
}  // namespace probebox
