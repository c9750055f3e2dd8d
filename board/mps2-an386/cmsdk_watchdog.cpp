#include "cmsdk_watchdog.h"

namespace board {
namespace {

constexpr uint32_t kLoad = 0x000;
constexpr uint32_t kControl = 0x008;
constexpr uint32_t kIntClear = 0x00C;
constexpr uint32_t kLock = 0xC00;
constexpr uint32_t kUnlockKey = 0x1ACCE551;
constexpr uint32_t kControlInterruptEnable = 1u << 0;  // also starts the counter
constexpr uint32_t kControlResetEnable = 1u << 1;

}  // namespace

void CmsdkWatchdog::unlock() { reg(kLock) = kUnlockKey; }
// Any value but the key locks: a stray write elsewhere cannot stop or slow it.
void CmsdkWatchdog::lock() { reg(kLock) = 0; }

void CmsdkWatchdog::start(uint32_t timeout_ms, uint32_t clock_hz) {
  const uint64_t ticks = static_cast<uint64_t>(clock_hz) / 1000 * timeout_ms;
  unlock();
  reg(kLoad) = ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(ticks);
  reg(kIntClear) = 1;
  reg(kControl) = kControlInterruptEnable | kControlResetEnable;
  lock();
  running_ = true;
}

void CmsdkWatchdog::feed() {
  if (!running_) return;
  unlock();
  reg(kIntClear) = 1;  // clears WDOGINT and reloads the counter
  lock();
}

}  // namespace board
