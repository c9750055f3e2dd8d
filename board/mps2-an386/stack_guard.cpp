#include "stack_guard.h"

extern "C" uint32_t __stack_guard;

namespace board::stack_guard {
namespace {

// ARMv7-M system control space: the MPU's registers and the fault status.
volatile uint32_t& reg(uintptr_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }
constexpr uintptr_t kMpuType = 0xE000ED90;
constexpr uintptr_t kMpuCtrl = 0xE000ED94;
constexpr uintptr_t kMpuRnr = 0xE000ED98;
constexpr uintptr_t kMpuRbar = 0xE000ED9C;
constexpr uintptr_t kMpuRasr = 0xE000EDA0;

constexpr uint32_t kCtrlEnable = 1u << 0;
// Privileged code keeps the default memory map outside the regions. HFNMIENA stays
// clear: the HardFault handler runs with the MPU off, so a fault while reporting a
// fault can still print.
constexpr uint32_t kCtrlPrivDefEna = 1u << 2;
constexpr uint32_t kRasrEnable = 1u << 0;
constexpr uint32_t kRasrSize32 = 4u << 1;  // 2^(4+1) bytes
constexpr uint32_t kRasrNoAccess = 0u << 24;
constexpr uint32_t kRasrExecuteNever = 1u << 28;

constexpr uint32_t kMmfsrDaccViol = 1u << 1;
constexpr uint32_t kMmfsrStackingError = 1u << 4;
constexpr uint32_t kMmfsrAddressValid = 1u << 7;

bool g_enabled = false;

}  // namespace

uintptr_t guard_address() { return reinterpret_cast<uintptr_t>(&__stack_guard); }

bool enable() {
  if (((reg(kMpuType) >> 8) & 0xFF) == 0) return false;  // DREGION: no MPU on this core
  reg(kMpuRnr) = 0;
  reg(kMpuRbar) = static_cast<uint32_t>(guard_address());
  reg(kMpuRasr) = kRasrExecuteNever | kRasrNoAccess | kRasrSize32 | kRasrEnable;
  reg(kMpuCtrl) = kCtrlPrivDefEna | kCtrlEnable;
  asm volatile("dsb\n isb" ::: "memory");
  g_enabled = true;
  return true;
}

bool enabled() { return g_enabled; }

bool caused_by_overflow(uint32_t mmfsr, uint32_t mmfar) {
  if (!g_enabled) return false;
  if ((mmfsr & kMmfsrStackingError) != 0) return true;
  const uintptr_t guard = guard_address();
  return (mmfsr & (kMmfsrDaccViol | kMmfsrAddressValid)) == (kMmfsrDaccViol | kMmfsrAddressValid) &&
         mmfar >= guard && mmfar < guard + kBytes;
}

}  // namespace board::stack_guard
