// The load balancer judged as the appliance needs it (appliance-requirements A1, A7):
// when a node's own /testall fails, requests through the load balancer must still
// succeed. A balancer that keeps handing users to the failed node is not
// health-checking: a warning on the load balancer's /testall check, naming the node.
// Judged once the load balancer's and every node's /testall have this cycle's result
// (monitor/cross_check_gate), so the order probes finish in does not matter.
//
// The result also says how many distinct nodes answered behind the load balancer when
// the nodes can be told apart (the X-Auth0-Host header each node sends, else a
// certificate of its own), and says so when they cannot.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "config/config_model.h"
#include "core/probe_result.h"
#include "monitor/health_model.h"
#include "probes/verdicts.h"

namespace probebox {

struct LbNodeFacts {
  std::string_view name;         // how the summary names the node (its address)
  bool has_result = false;       // this cycle's result is in
  bool healthy = false;          // its own /testall was OK
  std::string_view answered_by;  // its X-Auth0-Host (else "cert:<sha256 prefix>"), empty when unknown
};

struct LbFacts {
  Outcome outcome = Outcome::kUnknown;  // the samples through the load balancer
  FailReason reason = FailReason::kNone;
  std::string_view summary;
  std::string_view answered_by;  // distinct X-Auth0-Host values over the samples, ','-separated
};

struct LbJudgement {
  Verdict verdict;
  int distinct_nodes = -1;  // behind the load balancer; -1: the nodes cannot be told apart
};

// Pure. The summary is rewritten (bounded by the buffer).
LbJudgement judge_lb_health(const LbFacts& lb, std::span<const LbNodeFacts> nodes, TextBuffer& summary);

// The rule applied to the load balancer's /testall result (role kLbTestall) against
// the nodes' staged or latest results; any other check is left alone.
// `result` is refined in place (outcome, reason, summary); `details` are its facts.
void apply_lb_health_rules(const Config& config, const HealthModel& health, uint16_t check_index, ResultCore& result,
                           const DetailsView& details);
inline void apply_lb_health_rules(const Config& config, const HealthModel& health, uint16_t check_index,
                                  ProbeResult& result) {
  apply_lb_health_rules(config, health, check_index, result, result.details.view());
}

}  // namespace probebox
