// How a probe or a session names a TCP connection that failed: a reset is a
// refusal (or a reset once up), anything else a failure to connect or carry on.
#pragma once
#include "core/probe_result.h"
#include "net/tcp_link.h"

namespace probebox {

struct LinkLoss {
  FailReason reason;
  const char* why;
};

inline LinkLoss link_loss(const net::TcpLink& link) {
  if (link.error() == ERR_RST) return {FailReason::kRefused, "connection refused or reset"};
  return {FailReason::kUnreachable, "connection failed"};
}

}  // namespace probebox
