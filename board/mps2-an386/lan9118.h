// SMSC LAN9118 Ethernet controller as hal::EthernetPort. Received frames wait in the
// controller's own RX FIFO (about 10 KB: TX_FIF_SZ 5 of its 16 KB) until receive()
// copies one straight into the caller's buffer: no copy of them in RAM. The RX
// interrupt only wakes the main loop: the ISR masks it, receive() unmasks it once
// the FIFO is empty. A frame that finds the FIFO full is dropped by the controller
// (TCP resends it).
#pragma once
#include <cstdint>

#include "hal/ethernet_port.h"

namespace board {

class Lan9118 final : public hal::EthernetPort {
 public:
  bool init();
  void on_interrupt();
  uint32_t rx_dropped() const { return rx_dropped_; }
  uint32_t interrupts() const { return interrupts_; }

 private:
  hal::MacAddress DoMac() const override { return mac_; }
  bool DoLinkUp() const override;
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;

  volatile uint32_t& reg(uint32_t offset) const;
  uint32_t mac_csr_read(uint8_t index) const;
  void mac_csr_write(uint8_t index, uint32_t value) const;
  uint16_t phy_read(uint8_t reg_index) const;
  void phy_write(uint8_t reg_index, uint16_t value) const;
  volatile uint32_t rx_dropped_ = 0;
  volatile uint32_t interrupts_ = 0;
  hal::MacAddress mac_{};
  bool ready_ = false;
};

}  // namespace board
