#include "monitor/lb_health.h"

#include <array>

#include "core/view.h"

namespace probebox {
namespace {

// Whether `item` is one of the ','-separated `list`.
bool in_list(std::string_view list, std::string_view item) {
  if (item.empty()) return false;
  for (size_t at = 0; at <= list.size();) {
    size_t comma = list.find(',', at);
    size_t end = comma == std::string_view::npos ? list.size() : comma;
    if (slice(list, at, end - at) == item) return true;
    at = end + 1;
  }
  return false;
}

int count_items(std::string_view list) {
  if (list.empty()) return 0;
  int n = 1;
  for (char ch : list) n += ch == ',' ? 1 : 0;
  return n;
}

}  // namespace

LbJudgement judge_lb_health(const LbFacts& lb, std::span<const LbNodeFacts> nodes, TextBuffer& sum) {
  LbJudgement out;
  out.verdict.outcome = lb.outcome;
  out.verdict.reason = lb.reason;
  int failed = 0, healthy = 0;
  for (const LbNodeFacts& n : nodes) {
    if (!n.has_result) continue;
    if (n.healthy) ++healthy;
    else ++failed;
  }
  // The nodes can be told apart when each names itself (X-Auth0-Host, else its own
  // certificate) and no two the same: one certificate on every node, as the appliance
  // requires, tells nothing.
  bool apart = !lb.answered_by.empty();
  for (size_t a = 0; a < nodes.size() && apart; ++a) {
    if (!nodes[a].has_result) continue;
    apart = !nodes[a].answered_by.empty() && nodes[a].answered_by.find(',') == std::string_view::npos;
    for (size_t b = a + 1; b < nodes.size() && apart; ++b) {
      apart = !nodes[b].has_result || nodes[b].answered_by != nodes[a].answered_by;
    }
  }
  out.distinct_nodes = apart ? count_items(lb.answered_by) : -1;

  FixedText<ResultCore::kSummaryChars> s;
  auto name_failed = [&](bool only_answering) {
    int named = 0;
    for (const LbNodeFacts& n : nodes) {
      if (!n.has_result || n.healthy) continue;
      if (only_answering && (!apart || !in_list(lb.answered_by, n.answered_by))) continue;
      s.append(named++ > 0 ? ", " : "");
      s.append(n.name);
    }
    return named;
  };
  if (lb.outcome != Outcome::kOk && failed > 0 && healthy > 0) {
    // A healthy node could have answered: the balancer kept the failed one in.
    out.verdict.outcome = Outcome::kWarning;
    out.verdict.reason = FailReason::kExpectation;
    s.append("not health-checking: sends users to ");
    // The node the failing answer named, when the nodes can be told apart.
    if (name_failed(true) == 0) name_failed(false);
    s.append(failed > 1 ? " (their /testall fails)" : " (its /testall fails)");
  } else if (lb.outcome == Outcome::kOk && failed > 0) {
    s.append("health-checked: users kept off ");
    name_failed(false);
  } else {
    s.append(lb.summary);  // the balancer's own finding, or every node is down
  }
  if (out.distinct_nodes >= 0) {
    s.appendf("; %d of %d nodes answered", out.distinct_nodes, static_cast<int>(nodes.size()));
  } else if (lb.outcome == Outcome::kOk) {
    s.append("; nodes cannot be told apart (no X-Auth0-Host, one certificate)");
  }
  sum.assign(s.view());
  return out;
}

void apply_lb_health_rules(const Config& config, const HealthModel& health, uint16_t index, ResultCore& r,
                           const DetailsView& details) {
  if (index >= config.check_count || config.checks[index].role != CheckRole::kLbTestall) return;
  constexpr size_t kMaxNodes = 16;  // on the stack: a cluster has three, a big one a few more
  std::array<LbNodeFacts, kMaxNodes> nodes{};
  size_t n = 0;
  for (uint16_t j = 0; j < config.check_count && j < health.check_count(); ++j) {
    const CheckConfig& c = config.checks[j];
    if (c.role != CheckRole::kNodeTestall || n == kMaxNodes) continue;
    const CheckHealth& h = health.check(j);
    LbNodeFacts& f = nodes[n++];
    f.name = config.text(c.host);
    // A staged result is this cycle's, waiting for exactly this comparison.
    f.has_result = h.staged || h.has_result;
    f.healthy = h.last.outcome == Outcome::kOk;
    const DetailsView facts = h.last.details();
    const HttpDetails* d = facts.http();
    f.answered_by = d != nullptr ? facts.text(d->answered_by) : std::string_view();
  }
  LbFacts lb;
  lb.outcome = r.outcome;
  lb.reason = r.reason;
  FixedText<ResultCore::kSummaryChars> own(r.summary.view());
  lb.summary = own.view();
  const HttpDetails* d = details.http();
  lb.answered_by = d != nullptr ? details.text(d->answered_by) : std::string_view();
  LbJudgement j = judge_lb_health(lb, std::span<const LbNodeFacts>(nodes.data(), n), r.summary);
  r.outcome = j.verdict.outcome;
  r.reason = j.verdict.reason;
}

}  // namespace probebox
