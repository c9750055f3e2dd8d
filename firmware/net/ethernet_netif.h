// The one lwIP network interface of the box, written once against hal::EthernetPort:
// frames in and out, link state, DHCP or a static address, resolvers from config.
#pragma once
#include <cstdint>

#include "hal/ethernet_port.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

namespace probebox::net {

struct AddressingConfig {
  bool dhcp = true;
  ip4_addr_t address{};  // static mode only
  ip4_addr_t netmask{};
  ip4_addr_t gateway{};
};

class EthernetNetif {
 public:
  // Most frames handled per poll(): bounds one main-loop step under a flood.
  static constexpr int kMaxFramesPerPoll = 32;

  void start(hal::EthernetPort& port, const AddressingConfig& addressing, const char* hostname);
  // Moves received frames into lwIP and follows the link state. Call every step.
  void poll();
  // Takes the interface down and out of lwIP (tests, a config change of addressing).
  void stop();

  bool link_up() const;
  bool has_address() const;
  ip4_addr_t address() const;
  ip4_addr_t gateway() const;
  bool dhcp() const { return addressing_.dhcp; }
  struct netif* raw() { return &netif_; }
  uint32_t frames_dropped_no_pbuf() const { return dropped_no_pbuf_; }

 private:
  static err_t init_callback(struct netif* netif);
  static err_t linkoutput_callback(struct netif* netif, struct pbuf* p);

  hal::EthernetPort* port_ = nullptr;
  AddressingConfig addressing_{};
  struct netif netif_ {};
  uint32_t dropped_no_pbuf_ = 0;
  bool started_ = false;
};

}  // namespace probebox::net
