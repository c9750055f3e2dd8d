#include "cmsdk_uart.h"

#include "board_config.h"

namespace board {
namespace {
constexpr uint32_t kData = 0x00, kState = 0x04, kCtrl = 0x08, kBaudDiv = 0x10;
constexpr uint32_t kStateTxFull = 1u << 0, kStateRxFull = 1u << 1;
constexpr uint32_t kCtrlTxEnable = 1u << 0, kCtrlRxEnable = 1u << 1;
}  // namespace

void CmsdkUart::init() {
  reg(kBaudDiv) = kUartBaudDivisor;
  reg(kCtrl) = kCtrlTxEnable | kCtrlRxEnable;
}

void CmsdkUart::put(char c) {
  // Bounded wait: at 115200 baud one byte drains in ~87 us; QEMU is never full for long.
  for (int spins = 0; (reg(kState) & kStateTxFull) != 0 && spins < 100000; ++spins) {
  }
  reg(kData) = static_cast<uint8_t>(c);
}

int CmsdkUart::get() {
  if ((reg(kState) & kStateRxFull) == 0) return -1;
  return static_cast<int>(reg(kData) & 0xFF);
}

bool CmsdkUart::byte_waiting() const { return (reg(kState) & kStateRxFull) != 0; }

void CmsdkUart::DoWrite(std::string_view text) {
  for (char c : text) {
    if (c == '\n') put('\r');
    put(c);
  }
}

}  // namespace board
