// SMSC LAN9118 Ethernet controller as hal::EthernetPort. Received frames wait in the
// controller's own RX FIFO (about 10 KB: TX_FIF_SZ 5 of its 16 KB) until receive()
// copies one straight into the caller's buffer: no copy of them in RAM. A frame that
// finds the FIFO full is dropped by the controller (TCP resends it).
//
// The RX interrupt wakes the main loop and stamps each frame's arrival: the loop can
// be busy for a while (a TLS handshake's key exchange on this core takes 170 ms) and
// a probe's reply is timed by when it came (hal::EthernetPort::arrival()). The
// controller raises the interrupt while more frames wait than FIFO_INT's RX status
// level; the ISR stamps the frames it has not seen and sets the level to their
// count, receive() lowers it as it takes frames out, so each frame interrupts once.
#pragma once
#include <cstdint>

#include "hal/clock.h"
#include "hal/ethernet_port.h"

namespace board {

class Lan9118 final : public hal::EthernetPort {
 public:
  // `clock` stamps the frames' arrivals; it must be readable from this driver's
  // interrupt (SysTick preempts it: board_main gives it the lower priority).
  bool init(const hal::Clock& clock);
  void on_interrupt();
  uint32_t rx_dropped() const { return rx_dropped_; }
  uint32_t interrupts() const { return interrupts_; }
  // Frames handed out with their interrupt's stamp, and without one (more waiting
  // than there are stamps: a flood).
  uint32_t rx_stamped() const { return rx_stamped_; }
  uint32_t rx_unstamped() const { return rx_unstamped_; }
  // The longest a frame waited in the FIFO, from its interrupt to receive().
  hal::MonoMicros rx_longest_wait_us() const { return rx_longest_wait_us_; }

 private:
  hal::MacAddress DoMac() const override { return mac_; }
  bool DoLinkUp() const override;
  bool DoTransmit(std::span<const uint8_t> frame) override;
  size_t DoReceive(std::span<uint8_t> buffer) override;
  hal::MonoMicros DoArrival() const override { return last_arrival_; }

  uint32_t frames_waiting() const;
  void set_rx_level(uint32_t frames);
  // The stamp of the oldest frame in the FIFO, as its status leaves it.
  hal::MonoMicros take_stamp();

  volatile uint32_t& reg(uint32_t offset) const;
  uint32_t mac_csr_read(uint8_t index) const;
  void mac_csr_write(uint8_t index, uint32_t value) const;
  uint16_t phy_read(uint8_t reg_index) const;
  void phy_write(uint8_t reg_index, uint16_t value) const;
  volatile uint32_t rx_dropped_ = 0;
  volatile uint32_t interrupts_ = 0;
  // A ring of arrival stamps, oldest frame first: the ISR writes slot `stamped_` and
  // then counts it; receive() reads slot `taken_` with interrupts off. Both counts run
  // on and wrap; their difference is the number of stamped frames in the FIFO.
  static constexpr uint32_t kStampSlots = 32;
  volatile hal::MonoMicros stamps_[kStampSlots] = {};
  volatile uint32_t stamped_ = 0;
  volatile uint32_t taken_ = 0;
  hal::MonoMicros last_arrival_ = kUnstamped;
  const hal::Clock* clock_ = nullptr;
  uint32_t rx_stamped_ = 0;
  uint32_t rx_unstamped_ = 0;
  hal::MonoMicros rx_longest_wait_us_ = 0;
  hal::MacAddress mac_{};
  bool ready_ = false;
};

}  // namespace board
