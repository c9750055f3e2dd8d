#include "core/probe_result.h"

#include <cstring>
#include <type_traits>

namespace probebox {

const char* port_state_name(PortState s) {
  switch (s) {
    case PortState::kOpen: return "open";
    case PortState::kRefused: return "refused";
    case PortState::kUnreachable: return "unreachable";
    case PortState::kTimeout: return "timeout";
  }
  return "unreachable";
}

ProbeDetails::Facts& ProbeDetails::begin(DetailKind k) {
  static_assert(std::is_trivially_copyable_v<Facts>, "the facts are plain values");
  kind_ = k;
  text_.clear();
  std::memset(&u_, 0, sizeof(u_));  // every member's zero is its "nothing known"
  return u_;
}

size_t detail_facts_size(DetailKind kind) {
  switch (kind) {
    case DetailKind::kTcp: return sizeof(TcpDetails);
    case DetailKind::kDns: return sizeof(DnsDetails);
    case DetailKind::kHttp: return sizeof(HttpDetails);
    case DetailKind::kTlsCert: return sizeof(TlsCertDetails);
    case DetailKind::kSmtp: return sizeof(SmtpDetails);
    case DetailKind::kNtp: return sizeof(NtpDetails);
    case DetailKind::kNone: break;
  }
  return 0;
}

void ProbeDetails::assign(const DetailsView& v) {
  clear();
  if (v.kind() == DetailKind::kNone) return;
  std::memcpy(&begin(v.kind()), v.facts(), detail_facts_size(v.kind()));
  text_.assign(v.all_text(), v.text_cut());
}

void ResultCore::reset() {
  outcome = Outcome::kUnknown;
  reason = FailReason::kNone;
  lwip_err = 0;
  server_code = 0;
  phases = {};
  summary.clear();
  latency_us = 0;
  measurements = {};
}

ResultCore& ResultCore::operator=(const ResultCore&) = default;
ProbeResult& ProbeResult::operator=(const ProbeResult&) = default;

void ProbeResult::reset() {
  ResultCore::reset();
  details.clear();
}

TextSpan DetailText::add(std::string_view s) {
  size_t room = kChars - used_;
  size_t n = s.size() <= room ? s.size() : room;
  if (n < s.size()) cut_ = true;
  TextSpan span{used_, static_cast<uint16_t>(n)};
  if (n > 0) std::memcpy(chars_ + used_, s.data(), n);
  used_ = static_cast<uint16_t>(used_ + n);
  return span;
}

void DetailText::assign(std::string_view all, bool cut) {
  clear();
  add(all);
  cut_ = cut_ || cut;
}

DetailText& DetailText::operator=(const DetailText& o) {
  if (this == &o) return *this;
  used_ = o.used_;
  cut_ = o.cut_;
  if (used_ > 0) std::memcpy(chars_, o.chars_, used_);
  return *this;
}

}  // namespace probebox
