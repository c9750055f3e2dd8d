// A test image for the board's last lines of defence (tests/system/test_board_faults.py):
// the same reset code, vector table and linker script as the firmware, and a main()
// that misbehaves as QEMU's -append says:
//   stack     recurses until the stack runs out: the MPU guard must stop it with a
//             stack overflow report, before the stack reaches .bss;
//   watchdog  starts the watchdog, feeds it eight times (six of its timeouts), then spins
//             without feeding it: the NMI must report the stall, with the spin's pc.
//   restart   a fatal report's record survives the reset: the first boot finds none,
//             saves one and resets the board; the second finds it and says so.
// Each report ends the run with exit status 70 (semihosting); restart ends with 0.
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "board_config.h"
#include "board_hooks.h"
#include "cmsdk_uart.h"
#include "cmsdk_watchdog.h"
#include "fault_record.h"
#include "semihosting.h"
#include "stack_guard.h"

namespace {

board::CmsdkUart g_console(board::kUart0Base);
board::CmsdkWatchdog g_watchdog(board::kWatchdogBase);
// Where the recursion has got to, kept in .bss: it must still read right after the
// fault, which it would not if the stack had run over .bss.
volatile uint32_t g_depth = 0;
volatile uint32_t g_canary = 0;
constexpr uint32_t kCanary = 0xC0FFEE11u;
constexpr uint32_t kWatchdogTestMs = 200;

void say(const char* text) { g_console.write(text); }

__attribute__((noinline)) uint32_t descend(uint32_t depth) {
  volatile uint8_t frame[64];
  frame[0] = static_cast<uint8_t>(depth);
  g_depth = depth;
  if (depth > 1'000'000) return frame[0];
  return descend(depth + 1) + frame[0];
}

void overflow_the_stack() {
  char line[96];
  std::snprintf(line, sizeof(line), "stack guard %s at %08lx\n", board::stack_guard::enabled() ? "on" : "off",
                static_cast<unsigned long>(board::stack_guard::guard_address()));
  say(line);
  const uint32_t sum = descend(0);
  std::snprintf(line, sizeof(line), "returned %lu: no fault\n", static_cast<unsigned long>(sum));
  say(line);
}

__attribute__((noinline)) void stall() {
  for (;;) asm volatile("nop");
}

void starve_the_watchdog() {
  g_watchdog.start(kWatchdogTestMs, board::kSystemClockHz);
  const uint32_t load = board::kSystemClockHz / 1000 * kWatchdogTestMs;
  // Each feed when less than a quarter is left: eight feeds last six timeouts.
  for (int feeds = 0; feeds < 8;) {
    if (g_watchdog.remaining() < load / 4) {
      g_watchdog.feed();
      ++feeds;
    }
  }
  char line[96];
  std::snprintf(line, sizeof(line), "fed 8 times, 6 timeouts of %lu ms; stalling at %08lx\n",
                static_cast<unsigned long>(kWatchdogTestMs),
                static_cast<unsigned long>(reinterpret_cast<uintptr_t>(&stall)));
  say(line);
  stall();
}

void restart_with_a_record() {
  char line[120];
  if (board::fault_record::take(line, sizeof(line))) {
    say("second boot: restarted after: ");
    say(line);
    say("\n");
    board::semihosting::exit(0);
  }
  say("first boot: no record; saving one and resetting\n");
  board::fault_record::save("test: a fatal report before the reset", 0x00001234);
  *reinterpret_cast<volatile uint32_t*>(0xE000ED0C) = 0x05FA0004;  // AIRCR: SYSRESETREQ
  for (;;) {
  }
}

}  // namespace

extern "C" void SysTick_Handler() {}
extern "C" void Lan9118_IRQHandler() {}

extern "C" void board_fatal(const char* what) { board_fatal_with_frame(what, 0, nullptr); }

extern "C" void board_fatal_with_frame(const char* what, uint32_t ipsr, const uint32_t* frame) {
  char line[200];
  std::snprintf(line, sizeof(line), "*** %s (exception %lu) pc=%08lx depth=%lu canary=%s\n", what,
                static_cast<unsigned long>(ipsr & 0x1FF), static_cast<unsigned long>(frame ? frame[6] : 0),
                static_cast<unsigned long>(g_depth), g_canary == kCanary ? "intact" : "overwritten");
  say(line);
  board::semihosting::exit(70);
}

int main() {
  g_console.init();
  g_canary = kCanary;
  // QEMU's command line is the image's path, then what -append gave: the last word.
  static char cmdline[256];
  if (!board::semihosting::command_line(cmdline, sizeof(cmdline))) cmdline[0] = '\0';
  const char* last_space = std::strrchr(cmdline, ' ');
  const char* mode = last_space != nullptr ? last_space + 1 : cmdline;
  if (std::strcmp(mode, "stack") == 0) {
    overflow_the_stack();
  } else if (std::strcmp(mode, "watchdog") == 0) {
    starve_the_watchdog();
  } else if (std::strcmp(mode, "restart") == 0) {
    restart_with_a_record();
  } else {
    say("usage: -append stack|watchdog|restart\n");
  }
  board::semihosting::exit(1);
}
