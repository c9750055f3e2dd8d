// The mps2-an386 board (Cortex-M4 on the MPS2 FPGA, as QEMU models it) described as
// data: addresses, interrupt numbers and clock rates, in one place.
#pragma once
#include <cstdint>

namespace board {

inline constexpr uint32_t kSystemClockHz = 25'000'000;

inline constexpr uintptr_t kUart0Base = 0x40004000;  // console and button keys
inline constexpr uintptr_t kUart1Base = 0x40005000;  // the virtual 20x4 LCD
inline constexpr uint32_t kUartBaudDivisor = 217;    // 115200 at 25 MHz

inline constexpr uintptr_t kFpgaIoLeds = 0x40028000;  // USERLED0/1 (bits 0-1)
inline constexpr uintptr_t kSccCfg1 = 0x4002F004;     // SCC LED0-7 (bits 0-7)

inline constexpr uintptr_t kWatchdogBase = 0x40008000;  // CMSDK APB watchdog, WDOGINT on the NMI

inline constexpr uintptr_t kLan9118Base = 0x40200000;
inline constexpr int kLan9118Irq = 13;

}  // namespace board
