#include "lan9118.h"

#include <cstring>

#include "board_config.h"

namespace board {
namespace {

// Only registers QEMU's model implements: touching any other aborts QEMU.
constexpr uint32_t kRxDataFifo = 0x00, kTxDataFifo = 0x20, kRxStatusFifo = 0x40, kTxStatusFifo = 0x48,
                   kIdRev = 0x50, kIrqCfg = 0x54, kIntSts = 0x58, kIntEn = 0x5C, kByteTest = 0x64, kFifoInt = 0x68,
                   kTxCfg = 0x70, kHwCfg = 0x74, kRxFifoInf = 0x7C, kTxFifoInf = 0x80, kPmtCtrl = 0x84,
                   kMacCsrCmd = 0xA4, kMacCsrData = 0xA8, kAfcCfg = 0xAC;
constexpr uint8_t kMacCr = 1, kMacAddrH = 2, kMacAddrL = 3, kMiiAcc = 6, kMiiData = 7;
constexpr uint32_t kCsrBusy = 1u << 31, kCsrRead = 1u << 30;
constexpr uint32_t kIntRsfl = 1u << 3;  // RX status FIFO level
constexpr uint8_t kPhyAddress = 1, kPhyBmcr = 0, kPhyBmsr = 1, kPhyAnar = 4;
constexpr int kBusySpins = 100000;  // every hardware wait is bounded

volatile uint32_t& nvic_iser0 = *reinterpret_cast<volatile uint32_t*>(0xE000E100);
volatile uint8_t* const nvic_ipr = reinterpret_cast<volatile uint8_t*>(0xE000E400);
// Below SysTick's (0, the highest): the tick preempts this ISR, so the clock's
// millisecond count moves on while it reads the clock.
constexpr uint8_t kIrqPriority = 0x80;

// Interrupts off for a few register accesses, restored as they were.
class IrqLock {
 public:
  IrqLock() {
    asm volatile("mrs %0, primask" : "=r"(primask_));
    asm volatile("cpsid i" ::: "memory");
  }
  ~IrqLock() { asm volatile("msr primask, %0" ::"r"(primask_) : "memory"); }
  IrqLock(const IrqLock&) = delete;
  IrqLock& operator=(const IrqLock&) = delete;

 private:
  uint32_t primask_ = 0;
};

}  // namespace

volatile uint32_t& Lan9118::reg(uint32_t offset) const {
  return *reinterpret_cast<volatile uint32_t*>(kLan9118Base + offset);
}

uint32_t Lan9118::mac_csr_read(uint8_t index) const {
  reg(kMacCsrCmd) = kCsrBusy | kCsrRead | index;
  for (int i = 0; i < kBusySpins && (reg(kMacCsrCmd) & kCsrBusy); ++i) {
  }
  return reg(kMacCsrData);
}

void Lan9118::mac_csr_write(uint8_t index, uint32_t value) const {
  reg(kMacCsrData) = value;
  reg(kMacCsrCmd) = kCsrBusy | index;
  for (int i = 0; i < kBusySpins && (reg(kMacCsrCmd) & kCsrBusy); ++i) {
  }
}

uint16_t Lan9118::phy_read(uint8_t reg_index) const {
  mac_csr_write(kMiiAcc, static_cast<uint32_t>(kPhyAddress) << 11 | static_cast<uint32_t>(reg_index) << 6 | 1u);
  for (int i = 0; i < kBusySpins && (mac_csr_read(kMiiAcc) & 1u); ++i) {
  }
  return static_cast<uint16_t>(mac_csr_read(kMiiData));
}

void Lan9118::phy_write(uint8_t reg_index, uint16_t value) const {
  mac_csr_write(kMiiData, value);
  mac_csr_write(kMiiAcc, static_cast<uint32_t>(kPhyAddress) << 11 | static_cast<uint32_t>(reg_index) << 6 | 2u | 1u);
  for (int i = 0; i < kBusySpins && (mac_csr_read(kMiiAcc) & 1u); ++i) {
  }
}

bool Lan9118::init(const hal::Clock& clock) {
  clock_ = &clock;
  if (reg(kByteTest) != 0x87654321u) return false;
  if ((reg(kIdRev) >> 16) != 0x0118u) return false;
  for (int i = 0; i < kBusySpins && !(reg(kPmtCtrl) & 1u); ++i) {
  }
  reg(kHwCfg) = 1;  // soft reset
  for (int i = 0; i < kBusySpins && (reg(kHwCfg) & 1u); ++i) {
  }
  reg(kHwCfg) = 0x00050000;
  reg(kAfcCfg) = 0x006E3740;
  reg(kIntEn) = 0;
  reg(kIntSts) = 0xFFFFFFFFu;
  phy_write(kPhyBmcr, 0x8000);  // PHY reset
  phy_write(kPhyAnar, 0x01E1);
  phy_write(kPhyBmcr, 0x1200);  // auto-negotiate
  uint32_t low = mac_csr_read(kMacAddrL);
  uint32_t high = mac_csr_read(kMacAddrH);
  mac_ = {static_cast<uint8_t>(low), static_cast<uint8_t>(low >> 8), static_cast<uint8_t>(low >> 16),
          static_cast<uint8_t>(low >> 24), static_cast<uint8_t>(high), static_cast<uint8_t>(high >> 8)};
  reg(kTxCfg) = 2;  // TX_ON
  mac_csr_write(kMacCr, (1u << 2) | (1u << 3) | (1u << 20));  // RXEN, TXEN, full duplex; not promiscuous
  // The IRQ line is active-low and asserted after reset: configure before enabling.
  reg(kIrqCfg) = 0x111;
  set_rx_level(0);  // the first frame interrupts
  reg(kIntEn) = kIntRsfl;
  nvic_ipr[kLan9118Irq] = kIrqPriority;
  nvic_iser0 = 1u << kLan9118Irq;
  ready_ = true;
  return true;
}

bool Lan9118::DoLinkUp() const { return ready_ && (phy_read(kPhyBmsr) & (1u << 2)) != 0; }

bool Lan9118::DoTransmit(std::span<const uint8_t> frame) {
  if (!ready_ || frame.size() > 1514) return false;
  uint32_t len = static_cast<uint32_t>(frame.size());
  uint32_t words = (len + 3) / 4;
  if ((reg(kTxFifoInf) & 0xFFFFu) < words * 4 + 8) return false;  // no room: a lost frame
  reg(kTxDataFifo) = (1u << 13) | (1u << 12) | len;  // command A: first and last segment
  reg(kTxDataFifo) = (len << 16) | len;              // command B: tag and length
  for (uint32_t w = 0; w < words; ++w) {
    uint32_t word = 0;
    size_t n = len - w * 4 < 4 ? len - w * 4 : 4;
    std::memcpy(&word, frame.data() + w * 4, n);
    reg(kTxDataFifo) = word;
  }
  // Drain the TX status FIFO so it never fills.
  for (int i = 0; i < 16 && ((reg(kTxFifoInf) >> 16) & 0xFFu) != 0; ++i) {
    uint32_t tx_status = reg(kTxStatusFifo);
    (void)tx_status;
  }
  return true;
}

uint32_t Lan9118::frames_waiting() const { return (reg(kRxFifoInf) >> 16) & 0xFFu; }

void Lan9118::set_rx_level(uint32_t frames) {
  // FIFO_INT: RX status level in bits 7:0; the other levels (TX) stay at zero, unused.
  reg(kFifoInt) = frames < 0xFFu ? frames : 0xFFu;
}

void Lan9118::on_interrupt() {
  interrupts_ = interrupts_ + 1;
  // Cleared first: a frame that lands from here on raises it again.
  reg(kIntSts) = kIntRsfl;
  const hal::MonoMicros now = clock_->now();
  const uint32_t waiting = frames_waiting();
  // The frames waiting beyond those already stamped arrived since the last interrupt
  // (more than one only if interrupts were off meanwhile: their stamp is then late,
  // never early). With the ring full, the rest go without.
  for (uint32_t held = stamped_ - taken_; held < waiting && held < kStampSlots; ++held) {
    stamps_[stamped_ % kStampSlots] = now;
    asm volatile("" ::: "memory");  // the stamp is written before it is counted
    stamped_ = stamped_ + 1;
  }
  set_rx_level(waiting);
}

hal::MonoMicros Lan9118::take_stamp() {
  if (stamped_ == taken_) return kUnstamped;
  const hal::MonoMicros at = stamps_[taken_ % kStampSlots];
  taken_ = taken_ + 1;
  return at;
}

size_t Lan9118::DoReceive(std::span<uint8_t> buffer) {
  if (!ready_) return 0;
  last_arrival_ = kUnstamped;
  for (int guard = 0; guard < 64; ++guard) {
    uint32_t status = 0;
    hal::MonoMicros arrived = kUnstamped;
    {
      // The status leaves the FIFO with its stamp, and the level follows the count,
      // with the ISR held off: it must never see one without the other.
      IrqLock lock;
      if (frames_waiting() == 0) {
        set_rx_level(0);
        return 0;
      }
      status = reg(kRxStatusFifo);
      arrived = take_stamp();
      set_rx_level(frames_waiting());
    }
    uint32_t length = (status >> 16) & 0x3FFFu;  // includes the 4-byte FCS
    uint32_t words = (length + 3) / 4;
    bool keep = length >= 18 && length - 4 <= buffer.size() && !(status & (1u << 15));
    uint32_t frame = keep ? length - 4 : 0;
    for (uint32_t w = 0; w < words; ++w) {
      uint32_t word = reg(kRxDataFifo);
      uint32_t at = w * 4;
      if (at < frame) std::memcpy(buffer.data() + at, &word, frame - at < 4 ? frame - at : 4);
    }
    if (keep) {
      last_arrival_ = arrived;
      if (arrived == kUnstamped) {
        ++rx_unstamped_;
      } else {
        ++rx_stamped_;
        const hal::MonoMicros waited = clock_->now() - arrived;
        if (waited > rx_longest_wait_us_) rx_longest_wait_us_ = waited;
      }
      return frame;
    }
    rx_dropped_ = rx_dropped_ + 1;  // a bad or oversized frame: read out and dropped
  }
  return 0;
}

}  // namespace board
