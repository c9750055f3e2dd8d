#include "monitor/health_model.h"

#include <algorithm>
#include <cstring>

#include "core/view.h"

namespace probebox {
namespace {

// An entry of the pool: this head, the kind's facts struct (8-aligned), the facts'
// strings, the summary; the whole rounded up to 8 bytes.
struct EntryHead {
  uint16_t owner;       // the check's row
  uint16_t size;        // bytes of the entry, head included
  uint16_t text_len;
  uint8_t kind_flags;   // DetailKind in the low nibble, then the flags below
  uint8_t summary_len;
};
static_assert(sizeof(EntryHead) == 8);
constexpr uint8_t kTextCut = 0x10;    // the probe's own text pool had cut strings
constexpr uint8_t kTruncated = 0x20;  // the record could not keep every fact
constexpr uint8_t kFree = 0x80;

constexpr size_t align8(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

EntryHead head_of(const uint8_t* entry) {
  EntryHead h;
  std::memcpy(&h, entry, sizeof h);
  return h;
}

size_t facts_bytes(const EntryHead& h) { return align8(detail_facts_size(static_cast<DetailKind>(h.kind_flags & 0x0F))); }

}  // namespace

std::string_view StoredResult::summary() const {
  if (entry_ == nullptr) return {};
  EntryHead h = head_of(entry_);
  return std::string_view(reinterpret_cast<const char*>(entry_) + sizeof h + facts_bytes(h) + h.text_len, h.summary_len);
}

DetailsView StoredResult::details() const {
  if (entry_ == nullptr) return {};
  EntryHead h = head_of(entry_);
  auto kind = static_cast<DetailKind>(h.kind_flags & 0x0F);
  const uint8_t* facts = entry_ + sizeof h;
  std::string_view text(reinterpret_cast<const char*>(facts + facts_bytes(h)), h.text_len);
  return DetailsView(kind, kind == DetailKind::kNone ? nullptr : facts, text, (h.kind_flags & kTextCut) != 0,
                     (h.kind_flags & kTruncated) != 0);
}

void StoredResult::assign(const ResultHead& head) {
  outcome = head.outcome;
  reason = head.reason;
  latency_us = head.latency_us <= 0 ? 0 : head.latency_us >= UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(head.latency_us);
  const ProbeMeasurements& m = head.measurements;
  ntp_offset_us = m.ntp_offset_us;
  dns_lookup_us = m.dns_lookup_us < 0 ? -1 : m.dns_lookup_us >= INT32_MAX ? INT32_MAX : static_cast<int32_t>(m.dns_lookup_us);
  days_left = m.days_left;
  http_status = m.http_status;
  has_days_left = m.has_days_left;
  has_ntp_offset = m.has_ntp_offset;
}

void StoredResult::to_head(ResultHead& head) const {
  head = ResultHead{};
  head.outcome = outcome;
  head.reason = reason;
  head.latency_us = latency_us;
  head.measurements.ntp_offset_us = ntp_offset_us;
  head.measurements.dns_lookup_us = dns_lookup_us;
  head.measurements.days_left = days_left;
  head.measurements.http_status = http_status;
  head.measurements.has_days_left = has_days_left;
  head.measurements.has_ntp_offset = has_ntp_offset;
}

void HealthModel::free_entry(uint16_t index) {
  uint8_t*& entry = checks_[index].last.entry_;
  if (entry == nullptr) return;
  EntryHead h = head_of(entry);
  pool_live_ -= h.size;
  held_ -= h.size > fair_share_ ? h.size : fair_share_;
  held_ += fair_share_;
  if (entry + h.size == pool_ + pool_used_) {
    pool_used_ -= h.size;  // the newest entry: its room is the tail's again
  } else {
    h.kind_flags |= kFree;
    std::memcpy(entry, &h, sizeof h);
  }
  entry = nullptr;
}

void HealthModel::compact() {
  size_t to = 0;
  for (size_t at = 0; at < pool_used_;) {
    EntryHead h = head_of(pool_ + at);
    if ((h.kind_flags & kFree) == 0) {
      if (to != at) std::memmove(pool_ + to, pool_ + at, h.size);
      checks_[h.owner].last.entry_ = pool_ + to;
      to += h.size;
    }
    at += h.size;
  }
  pool_used_ = to;
}

// What check `index` may take: the pool less every other check's entry or, when
// that is smaller, its fair share. Keeping sum(max(share, entry)) <= pool on every
// allocation guarantees each check its share whenever its next result comes.
// (held_ is that sum over every check; `index` holds nothing when this is asked.)
size_t HealthModel::allowance(uint16_t index) const {
  (void)index;
  const size_t held = held_ - fair_share_;
  return held >= pool_bytes_ ? 0 : (pool_bytes_ - held) & ~static_cast<size_t>(7);
}

uint8_t* HealthModel::keep(uint16_t index, std::string_view summary, const DetailsView& details) {
  free_entry(index);
  const size_t allowed = allowance(index);
  DetailKind kind = details.kind();
  size_t facts = align8(detail_facts_size(kind));
  std::string_view text = details.all_text();
  if (summary.size() > ResultCore::kSummaryChars) summary = first(summary, ResultCore::kSummaryChars);
  bool truncated = details.truncated();
  if (align8(sizeof(EntryHead) + facts + text.size() + summary.size()) > allowed) {
    // Over the allowance: the summary first, then the facts, then as many of the
    // strings as fit; the entry says it is cut.
    truncated = true;
    if (align8(sizeof(EntryHead) + summary.size()) > allowed) {
      kind = DetailKind::kNone;
      facts = 0;
      text = {};
      size_t room = allowed > sizeof(EntryHead) ? allowed - sizeof(EntryHead) : 0;
      if (room == 0) return nullptr;
      summary = first(summary, room);
    } else if (align8(sizeof(EntryHead) + facts + summary.size()) > allowed) {
      kind = DetailKind::kNone;
      facts = 0;
      text = {};
    } else {
      text = first(text, allowed - sizeof(EntryHead) - facts - summary.size());
    }
  }
  if (truncated) ++truncations_;
  const size_t size = align8(sizeof(EntryHead) + facts + text.size() + summary.size());
  if (pool_bytes_ - pool_used_ < size) compact();
  if (pool_bytes_ - pool_used_ < size) return nullptr;  // cannot happen: allowance <= free after compaction
  uint8_t* entry = pool_ + pool_used_;
  EntryHead h{index, static_cast<uint16_t>(size), static_cast<uint16_t>(text.size()),
              static_cast<uint8_t>(static_cast<uint8_t>(kind) | (details.text_cut() ? kTextCut : 0) |
                                   (truncated ? kTruncated : 0)),
              static_cast<uint8_t>(summary.size())};
  // memmove: a restaged entry's facts are read from where they are written.
  uint8_t* at = entry + sizeof h;
  if (facts > 0) std::memmove(at, details.facts(), detail_facts_size(kind));
  at += facts;
  if (!text.empty()) std::memmove(at, text.data(), text.size());
  at += text.size();
  if (!summary.empty()) std::memmove(at, summary.data(), summary.size());
  std::memcpy(entry, &h, sizeof h);
  pool_used_ += size;
  pool_live_ += size;
  if (pool_live_ > pool_high_water_) pool_high_water_ = pool_live_;
  held_ += (size > fair_share_ ? size : fair_share_) - fair_share_;
  return entry;
}

void HealthModel::load(const Config& config, hal::Clock& clock, size_t pool_bytes) {
  ++revision_;
  config_ = &config;
  clock_ = &clock;
  count_ = config.check_count;
  for (uint16_t i = 0; i < count_; ++i) checks_.reset(i);
  pool_used_ = 0;
  pool_live_ = 0;
  pool_high_water_ = 0;
  pool_bytes_ = pool_bytes < kPoolBytes ? pool_bytes & ~static_cast<size_t>(7) : kPoolBytes;
  // Each check is guaranteed a small share (a summary of kShareBytes - 8 characters,
  // or a small kind's facts and a short one); the rest of the pool goes to whoever
  // needs it, first come, and comes back when that check's next result is smaller.
  size_t share = count_ > 0 ? pool_bytes_ / count_ : pool_bytes_;
  if (share > kShareBytes) share = kShareBytes;
  fair_share_ = share & ~static_cast<size_t>(7);
  held_ = static_cast<size_t>(count_) * fair_share_;
}

Outcome HealthModel::overall() const {
  // For an operator a failing check outranks one that could not run, so the hard
  // overall orders critical > warning > unknown > ok (--once keeps the Nagios order).
  auto rank = [](Outcome o) { return o == Outcome::kCritical ? 3 : o == Outcome::kWarning ? 2 : o == Outcome::kUnknown ? 1 : 0; };
  Outcome worst = Outcome::kOk;
  bool any = false;
  for (uint16_t i = 0; i < count_; ++i) {
    if (!checks_[i].has_result || checks_[i].maintenance) continue;
    any = true;
    if (rank(checks_[i].hard) > rank(worst)) worst = checks_[i].hard;
  }
  return any ? worst : Outcome::kUnknown;
}

void HealthModel::suppress_for(int64_t minutes, hal::MonoMicros now) {
  ++revision_;
  suppressed_until_ = minutes <= 0 ? 0 : now + minutes * 60 * 1'000'000;
}

bool HealthModel::in_maintenance(uint16_t index, hal::MonoMicros now) const {
  if (now < suppressed_until_) return true;
  hal::WallTime wall = clock_->wall();
  if (!wall.valid) return false;  // planned windows need the time of day
  int64_t t = wall.unix_micros / 1'000'000;
  std::string_view id = config_->text(config_->checks[index].id);
  for (uint16_t w = 0; w < config_->maintenance_count; ++w) {
    const MaintenanceWindow& window = config_->maintenance[w];
    if (t < window.start_unix || t >= window.end_unix) continue;
    if (window.checks.count == 0) return true;
    for (uint16_t k = 0; k < window.checks.count; ++k) {
      if (config_->text(config_->list_item(window.checks, k)) == id) return true;
    }
  }
  return false;
}

bool HealthModel::confirmed_bad(const CheckHealth& h, const Tunables& t) const {
  if (t.confirm_window == 0) return h.bad_streak >= t.confirm;
  uint32_t mask = t.confirm_window >= 32 ? 0xFFFFFFFFu : ((1u << t.confirm_window) - 1);
  return __builtin_popcount(h.recent_bad_bits & mask) >= t.confirm;
}

void HealthModel::push_event(uint16_t index, const CheckHealth& h, Outcome from, Outcome to, bool first,
                             hal::MonoMicros now) {
  Event e;
  e.check_id.assign(config_->text(config_->checks[index].id));
  e.from = from;
  e.to = to;
  e.first = first;
  e.mono_us = now;
  hal::WallTime wall = clock_->wall();
  e.wall_unix_us = wall.valid ? wall.unix_micros : 0;
  e.summary.assign(h.last.summary());
  e.maintenance = h.maintenance;
  e.confirmations = to == Outcome::kOk ? 0 : h.bad_streak;
  events_.push(e);
}

void HealthModel::change_hard(uint16_t index, CheckHealth& h, Outcome to, bool first, hal::MonoMicros now) {
  push_event(index, h, h.hard, to, first, now);
  if (to == Outcome::kOk || !h.maintenance) {
    h.alert_held = false;
  } else if (!h.alert_held) {
    h.alert_held = true;
    h.held_first = first;
    h.held_from = h.hard;
  }
  const int64_t previous_since = h.hard_since_mono_us;
  h.hard = to;
  h.hard_since_mono_us = now;
  if (first) return;
  if (h.hard_changes < UINT16_MAX) ++h.hard_changes;
  // Every entry is at or before the previous change: if that is out of the window,
  // so are they all, and the ring starts again (which keeps the entries young).
  if (now - previous_since > kFlapWindowUs) h.change_times.fill(0);
  const int64_t now_s = now / 1'000'000;
  const uint16_t stamp = static_cast<uint16_t>(now_s % 65535 + 1);
  h.change_times[h.change_head] = stamp;
  h.change_head = static_cast<uint8_t>((h.change_head + 1) % h.change_times.size());
  int recent = 0;
  for (uint16_t t : h.change_times) {
    if (t == 0) continue;
    // A change counts while its whole second began within the window.
    const int64_t age_s = (static_cast<int64_t>(stamp) - t + 65535) % 65535;
    if (now - (now_s - age_s) * 1'000'000 <= kFlapWindowUs) ++recent;
  }
  h.flapping = recent >= kFlapChanges;
}

void HealthModel::on_result(uint16_t index, const ProbeResult& result, hal::MonoMicros now) {
  stage(index, result);
  commit(index, now);
}

void HealthModel::stage(uint16_t index, const ProbeResult& result) {
  if (index >= count_) return;
  ++revision_;
  CheckHealth& h = checks_[index];
  h.last.assign(result);
  h.last.entry_ = keep(index, result.summary.view(), result.details.view());
  h.staged = true;
}

void HealthModel::staged_core(uint16_t index, ResultCore& out) const {
  const StoredResult& last = checks_[index].last;
  last.to_head(out);
  out.summary.assign(last.summary());
}

void HealthModel::restage(uint16_t index, const ResultCore& core) {
  if (index >= count_) return;
  ++revision_;
  CheckHealth& h = checks_[index];
  h.last.assign(core);
  h.staged = true;
  uint8_t* entry = h.last.entry_;
  if (entry != nullptr) {
    // Move the entry to the end of the pool, so that it is rewritten in place: its
    // facts stay where they are read from.
    compact();
    entry = h.last.entry_;
    const size_t at = static_cast<size_t>(entry - pool_);
    const size_t size = head_of(entry).size;
    std::rotate(pool_ + at, pool_ + at + size, pool_ + pool_used_);
    for (size_t o = at; o < pool_used_ - size;) {
      EntryHead eh = head_of(pool_ + o);
      checks_[eh.owner].last.entry_ = pool_ + o;
      o += eh.size;
    }
    h.last.entry_ = pool_ + pool_used_ - size;
  }
  DetailsView details = h.last.details();
  h.last.entry_ = keep(index, core.summary.view(), details);
}

void HealthModel::commit(uint16_t index, hal::MonoMicros now) {
  if (index >= count_ || !checks_[index].staged) return;
  ++revision_;
  CheckHealth& h = checks_[index];
  h.staged = false;
  const StoredResult& result = h.last;
  const Tunables& t = config_->checks[index].tune;
  bool first = !h.has_result;
  bool bad = result.outcome != Outcome::kOk;
  h.has_result = true;
  const bool was_in_maintenance = h.maintenance;
  h.maintenance = in_maintenance(index, now);
  uint16_t& count = h.counts[static_cast<int>(result.outcome)];
  if (count < UINT16_MAX) ++count;
  h.recent_bad_bits = (h.recent_bad_bits << 1) | (bad ? 1u : 0u);
  h.bad_streak = !bad ? 0 : h.bad_streak == UINT16_MAX ? UINT16_MAX : static_cast<uint16_t>(h.bad_streak + 1);
  if (first) {
    change_hard(index, h, result.outcome, true, now);
    return;
  }
  if (!bad) {
    if (h.hard != Outcome::kOk) change_hard(index, h, Outcome::kOk, false, now);
    // Flapping clears once the check has been quiet for a whole window.
  } else if (h.hard != result.outcome && confirmed_bad(h, t)) {
    change_hard(index, h, result.outcome, false, now);
  }
  if (h.flapping && now - h.hard_since_mono_us > kFlapWindowUs) h.flapping = false;
  raise_held_alert(index, h, was_in_maintenance, now);
}

void HealthModel::raise_held_alert(uint16_t index, CheckHealth& h, bool was_in_maintenance, hal::MonoMicros now) {
  if (!was_in_maintenance || h.maintenance || !h.alert_held) return;
  h.alert_held = false;
  if (h.hard != Outcome::kOk) push_event(index, h, h.held_from, h.hard, h.held_first, now);
}

}  // namespace probebox
