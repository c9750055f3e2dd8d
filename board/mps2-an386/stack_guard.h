// The main stack's guard: an MPU region under the stack that nothing may read, write
// or execute. The stack sits right above .bss, so an overflow would otherwise write
// over the firmware's static state without a sound and show up later as anything at
// all; with the guard it is a MemManage fault at the first word past the stack, and
// the fault handler says so (startup.cpp).
#pragma once
#include <cstdint>

namespace board::stack_guard {

// The guard region's size: the MPU's smallest (ARMv7-M PMSA), and its alignment.
inline constexpr uint32_t kBytes = 32;

// Programs MPU region 0 over [__stack_guard, __stack_guard + kBytes) and turns the MPU
// on with the default map for everything else. False when the core has no MPU: the
// stack then runs unguarded, as before.
bool enable();
bool enabled();
uintptr_t guard_address();

// Whether a MemManage fault with these status bits (CFSR's low byte) and fault address
// is the stack running into the guard: a push that hit it, or the exception entry's own
// stacking (MSTKERR), which is where a push that overflowed ends up first.
bool caused_by_overflow(uint32_t mmfsr, uint32_t mmfar);

}  // namespace board::stack_guard
