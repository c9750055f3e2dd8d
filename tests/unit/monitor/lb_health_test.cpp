// The load balancer judged as the appliance needs it: a node's own /testall fails,
// requests through the balancer must still succeed (else a warning naming the node),
// and how many distinct nodes answered behind it, or that they cannot be told apart.
#include "monitor/lb_health.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config_parser.h"
#include "fake_clock.h"

namespace probebox {
namespace {

struct Judged {
  LbJudgement j;
  std::string summary;
};

Judged judge(Outcome lb_outcome, const std::string& answered_by, const std::vector<LbNodeFacts>& nodes,
             const std::string& lb_summary = "HTTP 500, down: manage (request 2)") {
  LbFacts lb;
  lb.outcome = lb_outcome;
  lb.reason = lb_outcome == Outcome::kOk ? FailReason::kNone : FailReason::kServerReply;
  lb.summary = lb_summary;
  lb.answered_by = answered_by;
  FixedText<ResultCore::kSummaryChars> summary("left over");
  LbJudgement j = judge_lb_health(lb, nodes, summary);
  return {j, std::string(summary.view())};
}

LbNodeFacts node(const char* name, bool healthy, const char* id = "") { return {name, true, healthy, id}; }

TEST(LbHealth, AFailedNodeStillServedThroughTheBalancerIsAWarningNamingIt) {
  Judged r = judge(Outcome::kCritical, "a0-1,a0-2",
                   {node("192.0.2.11", true, "a0-1"), node("192.0.2.12", false, "a0-2"), node("192.0.2.13", true, "a0-3")});
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kWarning);
  EXPECT_EQ(r.j.verdict.reason, FailReason::kExpectation);
  EXPECT_EQ(r.summary, "not health-checking: sends users to 192.0.2.12 (its /testall fails); 2 of 3 nodes answered");
}

TEST(LbHealth, NodesThatCannotBeToldApartAreNamedByTheirOwnFailure) {
  Judged r = judge(Outcome::kCritical, "", {node("192.0.2.11", true), node("192.0.2.12", false), node("192.0.2.13", true)});
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kWarning);
  EXPECT_EQ(r.j.distinct_nodes, -1);
  EXPECT_EQ(r.summary, "not health-checking: sends users to 192.0.2.12 (its /testall fails)");
}

TEST(LbHealth, ABalancerThatKeepsUsersOffTheFailedNodeIsOk) {
  Judged r = judge(Outcome::kOk, "a0-1,a0-3",
                   {node("192.0.2.11", true, "a0-1"), node("192.0.2.12", false, "a0-2"), node("192.0.2.13", true, "a0-3")});
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kOk);
  EXPECT_EQ(r.j.distinct_nodes, 2);
  EXPECT_EQ(r.summary, "health-checked: users kept off 192.0.2.12; 2 of 3 nodes answered");
}

TEST(LbHealth, AllHealthyCountsTheNodesOrSaysTheyCannotBeToldApart) {
  std::vector<LbNodeFacts> three = {node("192.0.2.11", true, "a0-1"), node("192.0.2.12", true, "a0-2"),
                                    node("192.0.2.13", true, "a0-3")};
  Judged r = judge(Outcome::kOk, "a0-2,a0-3,a0-1", three, "HTTP 200 OK, 6 requests");
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kOk);
  EXPECT_EQ(r.j.distinct_nodes, 3);
  EXPECT_EQ(r.summary, "HTTP 200 OK, 6 requests; 3 of 3 nodes answered");
  r = judge(Outcome::kOk, "", {node("192.0.2.11", true), node("192.0.2.12", true)}, "HTTP 200 OK, 4 requests");
  EXPECT_EQ(r.j.distinct_nodes, -1);
  EXPECT_EQ(r.summary, "HTTP 200 OK, 4 requests; nodes cannot be told apart (no X-Auth0-Host, one certificate)");
}

// Without the header the certificate names the node, but only when each node has its
// own: the appliance's one certificate everywhere tells the nodes nothing.
TEST(LbHealth, CertificatesTellNodesApartOnlyWhenEachHasItsOwn) {
  Judged r = judge(Outcome::kOk, "cert:0a0a0a0a,cert:0b0b0b0b",
                   {node("192.0.2.11", true, "cert:0a0a0a0a"), node("192.0.2.12", true, "cert:0b0b0b0b"),
                    node("192.0.2.13", true, "cert:0c0c0c0c")},
                   "HTTP 200 OK, 6 requests");
  EXPECT_EQ(r.j.distinct_nodes, 2);
  EXPECT_EQ(r.summary, "HTTP 200 OK, 6 requests; 2 of 3 nodes answered");
  r = judge(Outcome::kOk, "cert:0a0a0a0a",
            {node("192.0.2.11", true, "cert:0a0a0a0a"), node("192.0.2.12", true, "cert:0a0a0a0a"),
             node("192.0.2.13", true, "cert:0a0a0a0a")},
            "HTTP 200 OK, 6 requests");
  EXPECT_EQ(r.j.distinct_nodes, -1);
  EXPECT_EQ(r.summary, "HTTP 200 OK, 6 requests; nodes cannot be told apart (no X-Auth0-Host, one certificate)");
  // A failed node is then named by its own failure, not by which answer failed.
  r = judge(Outcome::kCritical, "cert:0a0a0a0a",
            {node("192.0.2.11", true, "cert:0a0a0a0a"), node("192.0.2.12", false, "cert:0a0a0a0a")}, "HTTP 500");
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kWarning);
  EXPECT_EQ(r.summary, "not health-checking: sends users to 192.0.2.12 (its /testall fails)");
}

TEST(LbHealth, TheBalancersOwnFailureOrEveryNodeDownKeepsItsVerdict) {
  // No node failed: the balancer itself is the problem, critical as found.
  Judged r = judge(Outcome::kCritical, "", {node("192.0.2.11", true), node("192.0.2.12", true)}, "connection refused");
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary, "connection refused");
  // Every node down: no healthy node to send users to, the balancer cannot do better.
  r = judge(Outcome::kCritical, "", {node("192.0.2.11", false), node("192.0.2.12", false)}, "HTTP 503");
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kCritical);
  EXPECT_EQ(r.summary, "HTTP 503");
  // A node without this cycle's result is neither failed nor healthy.
  r = judge(Outcome::kCritical, "", {{"192.0.2.11", false, false, ""}, node("192.0.2.12", true)}, "HTTP 500");
  EXPECT_EQ(r.j.verdict.outcome, Outcome::kCritical);
}

// The rule against the generated checks of a profile, through the health model's
// staged results, as App::commit_cross_set applies it.
TEST(LbHealth, AppliedToTheProfilesLoadBalancerCheckOnly) {
  auto config = std::make_unique<Config>();
  auto health = std::make_unique<HealthModel>();
  hal::FakeClock clock;
  ConfigErrors errors;
  ASSERT_TRUE(parse_config(R"({"schema":1,"appliance":{"name":"prod","load_balancer":"192.0.2.10",
      "nodes":["192.0.2.11","192.0.2.12","192.0.2.13"],"egress":[],
      "domain_names":{"dashboard":"manage.example.com","root_tenant_authority":"rta.example.com",
                      "webtask":"webtask.example.com","app_tenants":["app1.example.com"]}}})",
                           *config, errors).ok());
  health->load(*config, clock);
  auto at = [&](const char* id) {
    for (uint16_t i = 0; i < config->check_count; ++i) {
      if (config->text(config->checks[i].id) == id) return i;
    }
    ADD_FAILURE() << id;
    return uint16_t{0};
  };
  auto http_result = [](Outcome o, const char* summary, const char* node) {
    ProbeResult r;
    r.outcome = o;
    r.summary.assign(summary);
    HttpDetails& d = r.details.set_http();
    d.answered_by = r.details.add_text(node);
    return r;
  };
  health->stage(at("prod.node1.testall"), http_result(Outcome::kOk, "HTTP 200 OK", "a0-1"));
  health->stage(at("prod.node2.testall"), http_result(Outcome::kCritical, "HTTP 500, down: manage", "a0-2"));
  health->stage(at("prod.node3.testall"), http_result(Outcome::kOk, "HTTP 200 OK", "a0-3"));
  ProbeResult lb = http_result(Outcome::kCritical, "HTTP 500, down: manage (request 2)", "a0-1,a0-2");
  apply_lb_health_rules(*config, *health, at("prod.lb.testall"), lb);
  EXPECT_EQ(lb.outcome, Outcome::kWarning);
  EXPECT_EQ(std::string(lb.summary.view()), "not health-checking: sends users to 192.0.2.12 (its /testall fails); 2 of 3 nodes answered");
  // Another check is left alone.
  ProbeResult other = http_result(Outcome::kCritical, "HTTP 500", "");
  apply_lb_health_rules(*config, *health, at("prod.node2.testall"), other);
  EXPECT_EQ(other.outcome, Outcome::kCritical);
  EXPECT_EQ(std::string(other.summary.view()), "HTTP 500");
}

}  // namespace
}  // namespace probebox
