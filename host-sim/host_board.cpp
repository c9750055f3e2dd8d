#include "host_board.h"

#include <sys/random.h>
#include <time.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "net/platform_hooks.h"

namespace probebox::sim {

hal::MonoMicros HostClock::DoNow() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

hal::WallTime HostClock::DoWall() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000, true};
}

bool HostEntropy::DoFill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace probebox::sim

// The simulator runs on the host's stack: not measured.
extern "C" size_t probebox_platform_stack_high_water(size_t* size) {
  *size = 0;
  return 0;
}

extern "C" void probebox_platform_log(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
}

extern "C" void probebox_platform_fatal(const char* what, const char* file, int line) {
  std::fprintf(stderr, "probebox-sim: fatal: %s at %s:%d\n", what, file, line);
  std::abort();
}
