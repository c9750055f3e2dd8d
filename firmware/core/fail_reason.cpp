// In a file of its own: nothing in the image names a reason yet, and the linker can
// then drop these strings with the function.
#include "core/probe_result.h"

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

}  // namespace probebox
