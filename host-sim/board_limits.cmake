# The simulator's capacities (firmware/core/limits.h), read by the root
# CMakeLists.txt before any target: sized for the scale benchmarks, far past the
# Cortex-M image's defaults. The TLS arena keeps the target's 40 KiB per TLS
# session in flight (160 KiB for 4).
set(PROBEBOX_BOARD_LIMITS PROBEBOX_MAX_CHECKS=5000 PROBEBOX_CONFIG_ARENA_BYTES=1048576 PROBEBOX_MAX_IN_FLIGHT=64
    PROBEBOX_MAX_HTTP_CONNECTIONS=8 PROBEBOX_LWIP_HEAP_BYTES=1048576
    PROBEBOX_RESPONSE_BYTES=8388608 PROBEBOX_TLS_ARENA_BYTES=2621440 PROBEBOX_MAX_TLS_IN_FLIGHT=64)
