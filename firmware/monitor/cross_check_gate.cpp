#include "monitor/cross_check_gate.h"

#include <algorithm>

namespace probebox {
namespace {

uint16_t index_of(const Config& config, std::string_view id) {
  for (uint16_t i = 0; i < config.check_count; ++i) {
    if (config.text(config.checks[i].id) == id) return i;
  }
  return CrossCheckGate::kNone;
}

}  // namespace

void CrossCheckGate::load(const Config& config) {
  count_ = std::min<uint16_t>(config.check_count, Config::kMaxChecks);
  // Union-find over the references, with set_of_ as the parent array; the
  // smallest index of a set is its root, so the sets come out the same every load.
  std::array<uint16_t, Config::kMaxChecks> parent{};
  for (uint16_t i = 0; i < count_; ++i) parent[i] = i;
  auto root = [&](uint16_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::array<bool, Config::kMaxChecks> linked{};
  for (uint16_t i = 0; i < count_; ++i) {
    const CheckConfig& c = config.checks[i];
    if (c.type != CheckType::kTlsCert) continue;
    for (const ListRef* list : {&c.same_cert_as, &c.distinct_from}) {
      for (uint16_t k = 0; k < list->count; ++k) {
        uint16_t j = index_of(config, config.text(config.list_item(*list, k)));
        if (j == kNone || j >= count_ || j == i) continue;
        uint16_t a = root(i), b = root(j);
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
        linked[i] = linked[j] = true;
      }
    }
  }
  // The load balancer's /testall is judged against every node's of the same cycle
  // (monitor/lb_health): one set.
  uint16_t lb = kNone;
  for (uint16_t i = 0; i < count_ && lb == kNone; ++i) lb = config.checks[i].role == CheckRole::kLbTestall ? i : kNone;
  for (uint16_t j = 0; lb != kNone && j < count_; ++j) {
    if (config.checks[j].role != CheckRole::kNodeTestall) continue;
    uint16_t a = root(lb), b = root(j);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
    linked[lb] = linked[j] = true;
  }
  for (uint16_t i = 0; i < count_; ++i) {
    set_of_[i] = linked[i] ? root(i) : kNone;
    arrived_[i] = false;
    waiting_since_[i] = 0;
    patience_s_[i] = 0;
  }
  for (uint16_t i = 0; i < count_; ++i) {
    if (set_of_[i] == kNone) continue;
    uint32_t& patience = patience_s_[set_of_[i]];
    patience = std::max(patience, 2 * static_cast<uint32_t>(config.checks[i].tune.interval_s));
  }
}

bool CrossCheckGate::arrive(uint16_t i, hal::MonoMicros now) {
  if (!gated(i)) return false;
  arrived_[i] = true;
  uint16_t set = set_of_[i];
  if (waiting_since_[set] == 0) waiting_since_[set] = now == 0 ? 1 : now;
  for (uint16_t j = 0; j < count_; ++j) {
    if (set_of_[j] == set && !arrived_[j]) return false;
  }
  return true;
}

void CrossCheckGate::clear_set(uint16_t i) {
  if (!gated(i)) return;
  uint16_t set = set_of_[i];
  for (uint16_t j = 0; j < count_; ++j) {
    if (set_of_[j] == set) arrived_[j] = false;
  }
  waiting_since_[set] = 0;
}

uint16_t CrossCheckGate::overdue(hal::MonoMicros now) const {
  for (uint16_t i = 0; i < count_; ++i) {
    if (set_of_[i] != i || waiting_since_[i] == 0) continue;  // roots with a cycle under way
    if (now - waiting_since_[i] > static_cast<int64_t>(patience_s_[i]) * 1'000'000) return i;
  }
  return kNone;
}

hal::MonoMicros CrossCheckGate::next_overdue() const {
  hal::MonoMicros earliest = INT64_MAX;
  for (uint16_t i = 0; i < count_; ++i) {
    if (set_of_[i] != i || waiting_since_[i] == 0) continue;
    // overdue() wants strictly more than the patience.
    const hal::MonoMicros at = waiting_since_[i] + static_cast<int64_t>(patience_s_[i]) * 1'000'000 + 1;
    if (at < earliest) earliest = at;
  }
  return earliest;
}

}  // namespace probebox
