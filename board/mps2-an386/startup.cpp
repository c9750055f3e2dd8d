// Reset and exception entry for the Cortex-M4: vector table, .data/.bss set-up,
// C++ static constructors, and fault handlers that print where it happened, then
// reset (or exit QEMU with status 70 when running under semihosting tests).
#include <cstdint>
#include <cstring>

#include "board_hooks.h"
#include "stack_guard.h"

extern "C" {
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_limit, __stack_top;
void __libc_init_array();
int main();
void Reset_Handler();
void Default_Handler();
void HardFault_Handler();
void MemManage_Handler();
void NMI_Handler();
void SysTick_Handler();
void Lan9118_IRQHandler();
void _init() {}
void _fini() {}
}

namespace {
using Handler = void (*)();
}  // namespace

// The first 16 entries are the core's; then the board's 32 external interrupts.
extern "C" __attribute__((section(".isr_vector"), used)) const Handler g_vectors[16 + 32] = {
    reinterpret_cast<Handler>(&__stack_top),
    Reset_Handler,
    NMI_Handler,        // NMI: the watchdog's first run to zero (cmsdk_watchdog.h)
    HardFault_Handler,  // HardFault
    MemManage_Handler,  // MemManage: the stack guard (stack_guard.h)
    HardFault_Handler,  // BusFault
    HardFault_Handler,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    nullptr,
    Default_Handler,  // PendSV
    SysTick_Handler,
    // IRQ 0..31; the LAN9118 is IRQ 13.
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Lan9118_IRQHandler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler,
};

namespace {
constexpr uint32_t kStackPaint = 0x57AC4ED5u;
}  // namespace

// The stack below this function's frame is painted, so the deepest word ever written
// shows how much of it the firmware needs (probebox_platform_stack_high_water).
extern "C" void Reset_Handler() {
  uint32_t* sp;
  asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* w = &__stack_limit; w < sp - 16; ++w) *w = kStackPaint;
  std::memcpy(&__data_start, &__data_load,
              static_cast<size_t>(reinterpret_cast<char*>(&__data_end) - reinterpret_cast<char*>(&__data_start)));
  std::memset(&__bss_start, 0,
              static_cast<size_t>(reinterpret_cast<char*>(&__bss_end) - reinterpret_cast<char*>(&__bss_start)));
  // Usage, bus and memory faults get their own report rather than a bare HardFault.
  *reinterpret_cast<volatile uint32_t*>(0xE000ED24) |= (1u << 16) | (1u << 17) | (1u << 18);
  board::stack_guard::enable();
  __libc_init_array();
  main();
  board_fatal("main returned");
}

extern "C" size_t probebox_platform_stack_high_water(size_t* size) {
  const uint32_t* w = &__stack_limit;
  while (w < &__stack_top && *w == kStackPaint) ++w;
  *size = static_cast<size_t>(reinterpret_cast<const char*>(&__stack_top) - reinterpret_cast<const char*>(&__stack_limit));
  return static_cast<size_t>(reinterpret_cast<const char*>(&__stack_top) - reinterpret_cast<const char*>(w));
}

extern "C" void Default_Handler() {
  uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  board_fatal_with_frame("unexpected exception", ipsr, nullptr);
}

// With the message in r0: picks the stack the exception frame was pushed on (lr holds
// EXC_RETURN, whose bit 2 says which) and hands both to the reporter. Handlers branch
// here, so lr is still theirs.
extern "C" __attribute__((naked)) void report_exception() {
  asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r2, msp\n"
      "mrsne r2, psp\n"
      "mrs r1, ipsr\n"
      "b board_fatal_with_frame\n");
}

extern "C" __attribute__((naked)) void HardFault_Handler() {
  asm volatile(
      "ldr r0, =fault_message\n"
      "b report_exception\n"
      "fault_message: .asciz \"fault\"\n"
      ".align 2\n");
}

// The watchdog ran to zero: the main loop has not fed it for its whole timeout. The
// frame's pc is where the loop was stuck.
extern "C" __attribute__((naked)) void NMI_Handler() {
  asm volatile(
      "ldr r0, =watchdog_message\n"
      "b report_exception\n"
      "watchdog_message: .asciz \"watchdog: the main loop stopped coming back\"\n"
      ".align 2\n");
}

// A MemManage fault: with the guard the only MPU region, most likely the stack ran into
// it, and then the stack pointer is inside the guard or about to be. The handler moves
// to the top of the stack before calling anything (what was there is no longer
// needed: the box stops), then says which it was.
extern "C" [[noreturn]] void memory_fault(const uint32_t* faulting_sp);
extern "C" __attribute__((naked)) void MemManage_Handler() {
  asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "ldr r1, =__stack_top\n"
      "msr msp, r1\n"
      "b memory_fault\n");
}

extern "C" void memory_fault(const uint32_t* faulting_sp) {
  const uint32_t mmfsr = *reinterpret_cast<volatile uint32_t*>(0xE000ED28) & 0xFF;
  const uint32_t mmfar = *reinterpret_cast<volatile uint32_t*>(0xE000ED34);
  uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  if (board::stack_guard::caused_by_overflow(mmfsr, mmfar)) {
    // No frame: the exception entry could not push one into the guard.
    board_fatal_with_frame("stack overflow: the stack ran into its MPU guard", ipsr, nullptr);
  }
  board_fatal_with_frame("memory fault (MPU)", ipsr, faulting_sp);
}

// No heap after start-up: any allocation through the C library is a bug, found loudly.
extern "C" void* _sbrk(int) {
  board_fatal("heap allocation attempted (_sbrk)");
}

extern "C" void __cxa_pure_virtual() { board_fatal("pure virtual call"); }

// abort() in newlib raises a signal: route the syscalls it needs to a fatal report.
extern "C" void _exit(int) { board_fatal("abort"); }
extern "C" int _kill(int, int) { board_fatal("abort (kill)"); }
extern "C" int _getpid() { return 1; }
