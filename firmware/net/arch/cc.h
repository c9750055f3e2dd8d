/* lwIP architecture port: diagnostics and assertions go to the board's console
 * through two C hooks every board provides (firmware/net/platform_hooks.h). Byte
 * order comes from the C library (newlib and glibc both define it). */
#ifndef PROBEBOX_ARCH_CC_H
#define PROBEBOX_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>

#include "net/platform_hooks.h"

#define LWIP_PLATFORM_DIAG(x) do { probebox_platform_log x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) probebox_platform_fatal((x), __FILE__, __LINE__)

#endif
