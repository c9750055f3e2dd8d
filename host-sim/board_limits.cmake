# The simulator's capacities (firmware/core/limits.h), read by the root
# CMakeLists.txt before any target: sized for the scale benchmarks, far past the
# Cortex-M image's defaults. TLS probes run eight at a time (the target: one): the
# demo cycle's eight tls_cert checks then connect and receive together, and the loop
# wakes about 11 times less a cycle than with two at a time (a wake-up is a context
# switch, 18-20 us of CPU on the build machines; docs/performance.md). Each session
# in flight touches its share of the arena: eleven at once added 0.5 MiB of resident
# memory to a demo cycle at 9aad0ca. The TLS arena keeps the target's
# reservation per TLS session (PROBEBOX_TLS_CLIENT_SESSION_BYTES), two HTTPS
# sessions, and a larger shared pool for 64-bit structures. The web UI may be given an
# RSA key (up to 4096 bits), which the target refuses (core/limits.h says why). The
# last chain the tls_cert checks saw is kept byte for byte, so the same chain again is
# compared rather than hashed (16 KiB; the target has no RAM for it). Four HMAC
# midstate slots: a CBC session's record MACs hold two for its life, and the PRF
# still finds one.
set(PROBEBOX_BOARD_LIMITS PROBEBOX_MAX_CHECKS=5000 PROBEBOX_CONFIG_ARENA_BYTES=1048576 PROBEBOX_MAX_IN_FLIGHT=64
    PROBEBOX_MAX_HTTP_CONNECTIONS=8 PROBEBOX_LWIP_HEAP_BYTES=1048576
    PROBEBOX_RESPONSE_BYTES=8388608 PROBEBOX_MAX_TLS_IN_FLIGHT=8
    PROBEBOX_TLS_SERVER_SESSIONS=2 PROBEBOX_TLS_SHARED_BYTES=65536
    PROBEBOX_LWIP_PBUF_POOL_SIZE=32 PROBEBOX_LWIP_PBUF_BYTES=1536 PROBEBOX_TCP_WND_SEGMENTS=12 PROBEBOX_TCP_SND_BUF_SEGMENTS=4
    PROBEBOX_TLS_RESUMPTION_SLOTS=4 PROBEBOX_RESUMPTION_STORE_SLOTS=8 PROBEBOX_RSA_R2_CACHE=4
    PROBEBOX_TLS_SERVER_RSA_MAX_BITS=4096 PROBEBOX_CHAIN_KEY_MEMO_BYTES=16384
    PROBEBOX_HMAC_MIDSTATE_SLOTS=4)
