// A test image for the stack guard (tests/system/test_stack_guard.py): the same reset
// code, vector table and linker script as the firmware, and a main() that recurses
// until the stack runs out. With the guard the MemManage handler reports a stack
// overflow and QEMU exits with 70; without it the recursion would write down over
// .bss and .data and end in some other fault, or none.
#include <cstdint>
#include <cstdio>

#include "board_config.h"
#include "board_hooks.h"
#include "cmsdk_uart.h"
#include "semihosting.h"
#include "stack_guard.h"

namespace {

board::CmsdkUart g_console(board::kUart0Base);
// Where the recursion has got to, kept in .bss: it must still read right after the
// fault, which it would not if the stack had run over .bss.
volatile uint32_t g_depth = 0;
volatile uint32_t g_canary = 0;
constexpr uint32_t kCanary = 0xC0FFEE11u;

__attribute__((noinline)) uint32_t descend(uint32_t depth) {
  volatile uint8_t frame[64];
  frame[0] = static_cast<uint8_t>(depth);
  g_depth = depth;
  if (depth > 1'000'000) return frame[0];
  return descend(depth + 1) + frame[0];
}

}  // namespace

extern "C" void SysTick_Handler() {}
extern "C" void Lan9118_IRQHandler() {}

extern "C" void board_fatal(const char* what) { board_fatal_with_frame(what, 0, nullptr); }

extern "C" void board_fatal_with_frame(const char* what, uint32_t ipsr, const uint32_t*) {
  char line[160];
  std::snprintf(line, sizeof(line), "*** %s (exception %lu) depth=%lu canary=%s\n", what,
                static_cast<unsigned long>(ipsr & 0x1FF), static_cast<unsigned long>(g_depth),
                g_canary == kCanary ? "intact" : "overwritten");
  g_console.write(line);
  board::semihosting::exit(70);
}

int main() {
  g_console.init();
  g_canary = kCanary;
  char line[96];
  std::snprintf(line, sizeof(line), "stack guard %s at %08lx\n", board::stack_guard::enabled() ? "on" : "off",
                static_cast<unsigned long>(board::stack_guard::guard_address()));
  g_console.write(line);
  const uint32_t sum = descend(0);
  std::snprintf(line, sizeof(line), "returned %lu: no fault\n", static_cast<unsigned long>(sum));
  g_console.write(line);
  board::semihosting::exit(1);
}
