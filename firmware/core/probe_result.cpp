#include "core/probe_result.h"

#include <cstring>

namespace probebox {

const char* fail_reason_name(FailReason reason) {
  switch (reason) {
    case FailReason::kNone: return "none";
    case FailReason::kResolve: return "resolve";
    case FailReason::kNoResources: return "no_resources";
    case FailReason::kRefused: return "refused";
    case FailReason::kUnreachable: return "unreachable";
    case FailReason::kReset: return "reset";
    case FailReason::kTimeout: return "timeout";
    case FailReason::kTls: return "tls";
    case FailReason::kProtocol: return "protocol";
    case FailReason::kServerReply: return "server_reply";
    case FailReason::kCertificate: return "certificate";
    case FailReason::kExpectation: return "expectation";
    case FailReason::kSlow: return "slow";
    case FailReason::kNoClock: return "no_clock";
  }
  return "none";
}

const char* port_state_name(PortState s) {
  switch (s) {
    case PortState::kOpen: return "open";
    case PortState::kRefused: return "refused";
    case PortState::kUnreachable: return "unreachable";
    case PortState::kTimeout: return "timeout";
  }
  return "unreachable";
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

DetailText& DetailText::operator=(const DetailText& o) {
  if (this == &o) return *this;
  used_ = o.used_;
  cut_ = o.cut_;
  if (used_ > 0) std::memcpy(chars_, o.chars_, used_);
  return *this;
}

}  // namespace probebox
