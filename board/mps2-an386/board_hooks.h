// Board-wide fatal error reporting, usable from startup code and fault handlers.
#pragma once
#include <cstdint>

extern "C" {
[[noreturn]] void board_fatal(const char* what);
// frame: the exception stack frame (r0-r3, r12, lr, pc, xpsr), or null.
[[noreturn]] void board_fatal_with_frame(const char* what, uint32_t ipsr, const uint32_t* frame);
}
