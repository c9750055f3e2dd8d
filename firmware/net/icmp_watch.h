// Hands ICMP destination-unreachable messages to the TCP connection attempt they
// quote. lwIP 2.1.3 gives them to no TCP pcb (icmp_input drops them), so without
// this a connect that a router answers with "administratively prohibited" looks
// like silence until the deadline. A raw ICMP pcb sees every ICMP datagram before
// icmp_input and leaves it there (echo keeps working).
//
// Only a message that quotes the attempt's own 4-tuple and the sequence number of
// its SYN is delivered (RFC 5927 §4.1), so an off-path sender cannot end an attempt
// by guessing a port.
#pragma once
#include <cstdint>

#include "core/limits.h"
#include "protocols/icmp_unreachable.h"

struct tcp_pcb;

namespace probebox::net {

class IcmpWatch {
 public:
  using Handler = void (*)(void* owner, const icmp::Unreachable& message);

  // Watches a connection attempt from after tcp_connect() until unwatch(): the
  // handler runs at most once, from lwIP's input path, never inside one of the
  // pcb's own callbacks. Returns a ticket, or -1 when every slot is taken (the
  // probe then simply waits for its deadline, as before).
  static int watch(const tcp_pcb* pcb, void* owner, Handler handler);
  static void unwatch(int ticket);

  // For tests and diagnostics: messages seen, and delivered to a watcher.
  static uint32_t seen();
  static uint32_t delivered();
};

}  // namespace probebox::net
