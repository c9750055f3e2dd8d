// What the firmware's C hooks need in a fuzz binary: no board, no network.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "net/platform_hooks.h"

extern "C" void probebox_platform_log(const char*, ...) {}
extern "C" void probebox_platform_fatal(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fatal: %s at %s:%d\n", what, file, line);
  std::abort();
}
