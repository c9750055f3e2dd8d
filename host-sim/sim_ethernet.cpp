#include "sim_ethernet.h"

#include <cstdio>

namespace probebox::sim {

bool SimEthernet::select(const std::string& spec) {
  if (spec == "slirp") {
    tap_mode_ = false;
    return true;
  }
  if (spec.rfind("tap:", 0) == 0 && spec.size() > 4) {
    tap_mode_ = true;
    tap_name_ = spec.substr(4);
    return true;
  }
  std::fprintf(stderr, "probebox-sim: --net must be slirp or tap:IFNAME\n");
  return false;
}

bool SimEthernet::open(uint16_t http_port, uint16_t snmp_port, uint16_t https_port) {
  return tap_mode_ ? tap_.open(tap_name_) : slirp_.open(http_port, snmp_port, https_port);
}

void SimEthernet::run_io(int timeout_ms) {
  if (tap_mode_) {
    tap_.run_io(timeout_ms);
  } else {
    slirp_.run_io(timeout_ms);
  }
}

uint64_t SimEthernet::frames_in() const { return tap_mode_ ? tap_.stats().frames_in : slirp_.stats().frames_in; }
uint64_t SimEthernet::frames_out() const { return tap_mode_ ? tap_.stats().frames_out : slirp_.stats().frames_out; }
uint64_t SimEthernet::dropped_rx_full() const { return tap_mode_ ? 0 : slirp_.stats().dropped_rx_full; }
uint64_t SimEthernet::dropped_by_guard() const {
  return tap_mode_ ? tap_.stats().dropped_by_guard : slirp_.stats().dropped_by_guard;
}

}  // namespace probebox::sim
