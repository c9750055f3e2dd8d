/* The few C entry points the third-party C code (lwIP, mbedTLS) needs from the
 * board. Each board implements them once (host-sim/, board/<name>/). */
#ifndef PROBEBOX_NET_PLATFORM_HOOKS_H
#define PROBEBOX_NET_PLATFORM_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* printf-style diagnostic line to the board's console. */
void probebox_platform_log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* Unrecoverable: print and stop (the simulator aborts, a board resets). */
void probebox_platform_fatal(const char* what, const char* file, int line) __attribute__((noreturn));
/* The main stack's high-water mark in bytes (the board paints the stack at reset
 * and finds the deepest word overwritten), its size in *size; 0 and 0 where the
 * board does not measure it (the simulator runs on the host's stack). */
size_t probebox_platform_stack_high_water(size_t* size);

#ifdef __cplusplus
}
#endif

#endif
