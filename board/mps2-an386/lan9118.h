// SMSC LAN9118 Ethernet controller as hal::EthernetPort. Receive is interrupt
// driven: the ISR moves frames from the controller's FIFO into a bounded ring (full
// ring: the frame is dropped and counted, as the controller itself would). If the
// interrupt never fires, receive() falls back to polling the FIFO.
#pragma once
#include <array>
#include <cstdint>

#include "hal/ethernet_port.h"

namespace board {

class Lan9118 final : public hal::EthernetPort {
 public:
  static constexpr int kRxRingFrames = 16;

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
  // Moves every waiting frame from the FIFO into the ring.
  void drain_fifo();

  struct Frame {
    uint16_t length;
    alignas(4) uint8_t bytes[1536];
  };
  std::array<Frame, kRxRingFrames> ring_{};
  volatile uint32_t head_ = 0;  // written by the ISR
  volatile uint32_t tail_ = 0;  // written by the main loop
  volatile uint32_t rx_dropped_ = 0;
  volatile uint32_t interrupts_ = 0;
  hal::MacAddress mac_{};
  bool ready_ = false;
};

}  // namespace board
