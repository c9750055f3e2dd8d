#include "net/net_glue.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "lwip/arch.h"
#include "lwip/sys.h"
#include "mbedtls/platform_time.h"
#include "net/platform_hooks.h"

namespace probebox::net {
namespace {
hal::Clock* g_clock = nullptr;
hal::Entropy* g_entropy = nullptr;
uint16_t g_dns_port = 53;
}  // namespace

void set_dns_server_port(uint16_t port) { g_dns_port = port; }

void bind_platform(hal::Clock& clock, hal::Entropy& entropy) {
  g_clock = &clock;
  g_entropy = &entropy;
}

bool platform_bound() { return g_clock != nullptr && g_entropy != nullptr; }

}  // namespace probebox::net

using probebox::net::g_clock;
using probebox::net::g_entropy;

extern "C" unsigned short probebox_dns_server_port(void) { return probebox::net::g_dns_port; }

extern "C" u32_t sys_now(void) {
  if (g_clock == nullptr) probebox_platform_fatal("sys_now before bind_platform", __FILE__, __LINE__);
  return static_cast<u32_t>(g_clock->now() / 1000);
}

extern "C" unsigned int probebox_lwip_rand(void) {
  unsigned int value = 0;
  if (g_entropy == nullptr ||
      !g_entropy->fill({reinterpret_cast<uint8_t*>(&value), sizeof(value)})) {
    probebox_platform_fatal("no entropy for lwIP", __FILE__, __LINE__);
  }
  return value;
}

// mbedTLS's entropy collector (MBEDTLS_ENTROPY_HARDWARE_ALT).
extern "C" int mbedtls_hardware_poll(void*, unsigned char* output, size_t len, size_t* olen) {
  if (g_entropy == nullptr || !g_entropy->fill({output, len})) {
    *olen = 0;
    return -1;
  }
  *olen = len;
  return 0;
}

// mbedTLS's notion of now (MBEDTLS_PLATFORM_TIME_MACRO): the box's wall clock, or
// 0 while it is unsynchronised. Certificate dates are never judged from this.
extern "C" long long probebox_mbedtls_time(long long* out) {
  long long seconds = 0;
  if (g_clock != nullptr) {
    hal::WallTime wall = g_clock->wall();
    if (wall.valid) seconds = wall.unix_micros / 1'000'000;
  }
  if (out != nullptr) *out = seconds;
  return seconds;
}

// mbedTLS 3.x's millisecond clock (MBEDTLS_PLATFORM_MS_TIME_ALT; TLS 1.3 ticket
// ages): the box's monotonic clock.
extern "C" mbedtls_ms_time_t mbedtls_ms_time(void) {
  if (g_clock == nullptr) return 0;
  return static_cast<mbedtls_ms_time_t>(g_clock->now() / 1000);
}

namespace {
int log_formatted(const char* format, va_list args) {
  char line[160];
  int n = std::vsnprintf(line, sizeof(line), format, args);
  probebox_platform_log("%s", line);
  return n;
}
}  // namespace

extern "C" int probebox_mbedtls_fprintf(void*, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int n = log_formatted(format, args);
  va_end(args);
  return n;
}

extern "C" int probebox_mbedtls_printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  int n = log_formatted(format, args);
  va_end(args);
  return n;
}
