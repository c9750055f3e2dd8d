// An lwIP error in words, for a probe's summary. lwIP's own lwip_strerr() is an empty
// string unless LWIP_DEBUG is built in, which the firmware is not: a failed connect
// then read "unreachable: " and named nothing (the netlab flake of 2026-12-03).
#pragma once
#include "lwip/err.h"

namespace probebox::net {

// Never empty: an unknown value is named as such.
const char* lwip_error_name(err_t err);

}  // namespace probebox::net
