# lwIP 2.1.3 and mbedTLS 3.6.6 from the orig tarballs scripts/setup unpacked into
# .deps/src, built as static libraries with probebox's own option headers.
set(PROBEBOX_DEPS_DIR "${CMAKE_SOURCE_DIR}/.deps/src" CACHE PATH "Unpacked third-party sources")
set(LWIP_DIR "${PROBEBOX_DEPS_DIR}/lwip-2.1.3")
set(MBEDTLS_DIR "${PROBEBOX_DEPS_DIR}/mbedtls-3.6.6")
# The public roots: Debian's ca-certificates (the .deb scripts/setup fetched and
# checked), whose PEM files firmware/CMakeLists.txt makes into a flash table.
set(PROBEBOX_CA_CERTIFICATES_VERSION "20250419~deb12u2")
set(PROBEBOX_CA_CERTIFICATES_DIR "${PROBEBOX_DEPS_DIR}/ca-certificates-20250419/usr/share/ca-certificates/mozilla"
    CACHE PATH "Debian's ca-certificates PEM files (scripts/setup)")
foreach(dir ${LWIP_DIR} ${MBEDTLS_DIR} ${PROBEBOX_CA_CERTIFICATES_DIR})
  if(NOT EXISTS "${dir}")
    message(FATAL_ERROR "${dir} is missing: run scripts/setup first")
  endif()
endforeach()

# Third-party code is compiled as-is; its warnings are not ours to fix.
set(PROBEBOX_THIRD_PARTY_C_FLAGS -w)

# --- mbedTLS ---------------------------------------------------------------
file(GLOB MBEDTLS_SOURCES "${MBEDTLS_DIR}/library/*.c")
# TLS 1.2's key block derived to the length the suite takes, not always 256 bytes
# (firmware/net/tls12_key_block.h says why and why the keys are the same): ssl_tls.c
# is compiled from a copy in the build tree in which its one key-expansion call asks
# for that length; the rest of the file is mbedTLS's. Without that exact call in the
# unpacked tarball (another version) the configure stops.
set(PROBEBOX_SSL_TLS_ORIGINAL "${MBEDTLS_DIR}/library/ssl_tls.c")
set(PROBEBOX_SSL_TLS_COPY "${CMAKE_BINARY_DIR}/mbedtls-edited/ssl_tls.c")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROBEBOX_SSL_TLS_ORIGINAL}")
file(READ "${PROBEBOX_SSL_TLS_ORIGINAL}" probebox_ssl_tls_text)
set(probebox_key_expansion [[tls_prf(master, 48, "key expansion", randbytes, 64, keyblk, 256);]])
string(FIND "${probebox_ssl_tls_text}" "${probebox_key_expansion}" probebox_first)
string(FIND "${probebox_ssl_tls_text}" "${probebox_key_expansion}" probebox_last REVERSE)
if(probebox_first EQUAL -1 OR NOT probebox_first EQUAL probebox_last)
  message(FATAL_ERROR "${PROBEBOX_SSL_TLS_ORIGINAL}: not one key-expansion call as in mbedTLS 3.6.6 "
                      "(firmware/net/tls12_key_block.h): review the edit for this version")
endif()
string(REPLACE "${probebox_key_expansion}"
  [[tls_prf(master, 48, "key expansion", randbytes, 64, keyblk,
              probebox_tls12_key_block_len(ssl_mode == MBEDTLS_SSL_MODE_AEAD,
                                           mbedtls_cipher_info_get_key_bitlen(cipher_info) / 8,
                                           mbedtls_md_get_size(md_info),
                                           mbedtls_cipher_info_get_iv_size(cipher_info), sizeof(keyblk)));]]
  probebox_ssl_tls_text "${probebox_ssl_tls_text}")
# Written only when it changes, so a configure does not rebuild it.
file(WRITE "${PROBEBOX_SSL_TLS_COPY}.new" "${probebox_ssl_tls_text}")
file(COPY_FILE "${PROBEBOX_SSL_TLS_COPY}.new" "${PROBEBOX_SSL_TLS_COPY}" ONLY_IF_DIFFERENT)
file(REMOVE "${PROBEBOX_SSL_TLS_COPY}.new")
list(REMOVE_ITEM MBEDTLS_SOURCES "${PROBEBOX_SSL_TLS_ORIGINAL}")
list(APPEND MBEDTLS_SOURCES "${PROBEBOX_SSL_TLS_COPY}")
add_library(mbedtls STATIC ${MBEDTLS_SOURCES})
target_include_directories(mbedtls SYSTEM PUBLIC "${MBEDTLS_DIR}/include")
# Our own config header, seen through a directory in the build tree that holds
# only it (firmware/net itself would show every net/ header to every layer that
# links mbedTLS). Not a system directory, so its warnings stay visible.
set(PROBEBOX_MBEDTLS_PORT "${CMAKE_BINARY_DIR}/port-include/mbedtls")
file(MAKE_DIRECTORY "${PROBEBOX_MBEDTLS_PORT}")
file(CREATE_LINK "${CMAKE_SOURCE_DIR}/firmware/net/mbedtls_config_fw.h" "${PROBEBOX_MBEDTLS_PORT}/mbedtls_config_fw.h" SYMBOLIC)
# The config takes its board limits (input buffer, chain depth, key slots) from core/limits.h.
file(MAKE_DIRECTORY "${PROBEBOX_MBEDTLS_PORT}/core")
file(CREATE_LINK "${CMAKE_SOURCE_DIR}/firmware/core/limits.h" "${PROBEBOX_MBEDTLS_PORT}/core/limits.h" SYMBOLIC)
target_include_directories(mbedtls PUBLIC "${PROBEBOX_MBEDTLS_PORT}")
target_compile_definitions(mbedtls PUBLIC MBEDTLS_CONFIG_FILE="mbedtls_config_fw.h")
set_source_files_properties(${MBEDTLS_SOURCES} PROPERTIES COMPILE_OPTIONS "${PROBEBOX_THIRD_PARTY_C_FLAGS}")
# The edited copy finds mbedTLS's private headers beside the original, and the length
# function in our header.
set_source_files_properties("${PROBEBOX_SSL_TLS_COPY}" PROPERTIES
  INCLUDE_DIRECTORIES "${MBEDTLS_DIR}/library"
  COMPILE_OPTIONS "${PROBEBOX_THIRD_PARTY_C_FLAGS};-include;${CMAKE_SOURCE_DIR}/firmware/net/tls12_key_block.h")
# X25519 from Project Everest (HACL*, formally verified, shipped in mbedTLS's tree):
# the ECDH context's Curve25519 variant (MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED).
set(MBEDTLS_EVEREST_DIR "${MBEDTLS_DIR}/3rdparty/everest")
set(MBEDTLS_EVEREST_SOURCES "${MBEDTLS_EVEREST_DIR}/library/everest.c" "${MBEDTLS_EVEREST_DIR}/library/x25519.c"
    "${MBEDTLS_EVEREST_DIR}/library/Hacl_Curve25519_joined.c")
target_sources(mbedtls PRIVATE ${MBEDTLS_EVEREST_SOURCES})
target_include_directories(mbedtls SYSTEM PUBLIC "${MBEDTLS_EVEREST_DIR}/include")
set_source_files_properties(${MBEDTLS_EVEREST_SOURCES} PROPERTIES
  COMPILE_OPTIONS "${PROBEBOX_THIRD_PARTY_C_FLAGS}"
  INCLUDE_DIRECTORIES "${MBEDTLS_EVEREST_DIR}/include/everest;${MBEDTLS_EVEREST_DIR}/include/everest/kremlib;${MBEDTLS_DIR}/library")
# The board hooks mbedTLS 3.6 calls (entropy for PSA's DRBG, the millisecond clock)
# live in firmware/net/net_glue.cpp, whose archive comes before libmbedtls.a on the
# link line: a program that uses only X.509 (the certificate fuzzer) would otherwise
# not pull them in.
target_link_options(mbedtls INTERFACE LINKER:--undefined=mbedtls_hardware_poll,--undefined=mbedtls_ms_time)
# Our functions put in front of mbedTLS's by the linker (--wrap). The linker only
# redirects calls it still sees: with link-time optimisation the compiler resolves
# mbedTLS's calls inside the archive first, and the short public exponent (with its
# bound on long exponents), the HMAC midstate and the HACL* key shares silently leave
# the build (docs/performance.md, stop 61). LTO is refused here, and each link of the
# Cortex-M4 image is checked for a call to each wrap (cmake/wraps_in_force.cmake, from
# the list this keeps): on the image only the exponent bound has a test, a system test.
if(CMAKE_INTERPROCEDURAL_OPTIMIZATION OR "${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS} ${CMAKE_EXE_LINKER_FLAGS}" MATCHES "-flto")
  message(FATAL_ERROR "link-time optimisation would bypass the linker's --wrap of mbedTLS functions "
                      "(cmake/third_party.cmake): build without it")
endif()
function(probebox_wrap_mbedtls)
  foreach(symbol IN LISTS ARGN)
    target_link_options(mbedtls INTERFACE LINKER:--wrap=${symbol})
    set_property(GLOBAL APPEND PROPERTY PROBEBOX_MBEDTLS_WRAPS ${symbol})
  endforeach()
endfunction()
# A public exponent's exponentiation (RSA signature verification) walks its bits with
# square-and-multiply instead of mbedTLS's multiply-on-every-bit: firmware/net/
# mbedtls_public_exp.c, our code, built into this archive because it uses mbedTLS's
# internal bignum_core.h, and put in place of mbedTLS's function by the linker.
set(PROBEBOX_MBEDTLS_PUBLIC_EXP "${CMAKE_SOURCE_DIR}/firmware/net/mbedtls_public_exp.c")
target_sources(mbedtls PRIVATE "${PROBEBOX_MBEDTLS_PUBLIC_EXP}")
set_source_files_properties("${PROBEBOX_MBEDTLS_PUBLIC_EXP}" PROPERTIES
  INCLUDE_DIRECTORIES "${MBEDTLS_DIR}/library"
  COMPILE_OPTIONS "-Wall;-Wextra;-Werror")
# The same file refuses public exponents over 64 bits (RSA's public operation, the one
# caller of mbedtls_mpi_exp_mod_unsafe): a long one costs a full exponentiation.
probebox_wrap_mbedtls(mbedtls_mpi_core_exp_mod_unsafe mbedtls_mpi_exp_mod_unsafe)
# HMAC hashes its two pad blocks once per key, not once per message (the TLS 1.2
# PRF makes 13 HMACs with one key): firmware/net/hmac_midstate.c, in this archive for
# mbedTLS's private md_info and md_ctx, put in front of mbedTLS's functions by the linker.
set(PROBEBOX_MBEDTLS_HMAC_MIDSTATE "${CMAKE_SOURCE_DIR}/firmware/net/hmac_midstate.c")
target_sources(mbedtls PRIVATE "${PROBEBOX_MBEDTLS_HMAC_MIDSTATE}")
set_source_files_properties("${PROBEBOX_MBEDTLS_HMAC_MIDSTATE}" PROPERTIES
  INCLUDE_DIRECTORIES "${MBEDTLS_DIR}/library"
  COMPILE_OPTIONS "-Wall;-Wextra;-Werror")
probebox_wrap_mbedtls(mbedtls_md_hmac_starts mbedtls_md_hmac_reset mbedtls_md_hmac_finish mbedtls_md_free)
# A certificate check's TLS 1.2 handshake stops hashing its transcript once nothing
# will use it (firmware/net/tls12_transcript.h): our code too, in this archive for
# mbedTLS's internal ssl_misc.h.
set(PROBEBOX_MBEDTLS_TRANSCRIPT "${CMAKE_SOURCE_DIR}/firmware/net/tls12_transcript.c")
target_sources(mbedtls PRIVATE "${PROBEBOX_MBEDTLS_TRANSCRIPT}")
set_source_files_properties("${PROBEBOX_MBEDTLS_TRANSCRIPT}" PROPERTIES
  INCLUDE_DIRECTORIES "${MBEDTLS_DIR}/library;${CMAKE_SOURCE_DIR}/firmware/net"
  COMPILE_OPTIONS "-Wall;-Wextra;-Werror")
# X25519 key shares (TLS 1.3's, PSA's public key of a Curve25519 key) by Everest's
# HACL* instead of mbedTLS's generic ladder: firmware/net/x25519_base.c, our code, in
# this archive beside Everest, put in front of mbedtls_ecp_mul by the linker.
set(PROBEBOX_MBEDTLS_X25519_BASE "${CMAKE_SOURCE_DIR}/firmware/net/x25519_base.c")
target_sources(mbedtls PRIVATE "${PROBEBOX_MBEDTLS_X25519_BASE}")
set_source_files_properties("${PROBEBOX_MBEDTLS_X25519_BASE}" PROPERTIES
  INCLUDE_DIRECTORIES "${MBEDTLS_DIR}/library;${MBEDTLS_EVEREST_DIR}/include/everest;${MBEDTLS_EVEREST_DIR}/include/everest/kremlib"
  COMPILE_OPTIONS "-Wall;-Wextra;-Werror")
probebox_wrap_mbedtls(mbedtls_ecp_mul)

# --- lwIP -------------------------------------------------------------------
include("${LWIP_DIR}/src/Filelists.cmake")
# lwIP's SNMP agent (v2c, and v3 with USM over mbedTLS) with MIB-2; its UDP transport
# (snmp_raw.c) is replaced by firmware/alerts/snmp_transport.cpp so the agent and trap
# ports are configurable, and snmpv3_dummy.c by the user/engine callbacks in
# firmware/alerts/snmp_agent.cpp. snmp_core.c's default MIB list names the v3
# framework and USM MIBs, so both are linked; the agent serves only the framework's
# (snmpEngineID, boots, time), not the USM user table.
set(PROBEBOX_LWIP_SNMP_SRCS)
foreach(f snmp_asn1 snmp_core snmp_mib2 snmp_mib2_icmp snmp_mib2_interfaces snmp_mib2_ip snmp_mib2_snmp
          snmp_mib2_system snmp_mib2_tcp snmp_mib2_udp snmp_msg snmp_pbuf_stream snmp_scalar snmp_table snmp_traps
          snmpv3 snmpv3_mbedtls snmp_snmpv2_framework snmp_snmpv2_usm)
  list(APPEND PROBEBOX_LWIP_SNMP_SRCS "${LWIP_DIR}/src/apps/snmp/${f}.c")
endforeach()
add_library(lwip STATIC ${lwipcore_SRCS} ${lwipcore4_SRCS} ${lwipnetif_SRCS}
                        ${PROBEBOX_LWIP_SNMP_SRCS} "${LWIP_DIR}/src/api/err.c")
target_include_directories(lwip SYSTEM PUBLIC "${LWIP_DIR}/src/include")
# The port headers (lwipopts.h, arch/, and the net/platform_hooks.h that arch/cc.h
# includes), seen through a directory that holds only them, so the layers above
# that link lwIP see no other firmware folder through it (firmware/CMakeLists.txt).
# lwipopts.h takes its capacities from core/limits.h: lwIP links the core layer,
# which the layers that link lwIP sit above anyway.
set(PROBEBOX_LWIP_PORT "${CMAKE_BINARY_DIR}/port-include/lwip")
file(MAKE_DIRECTORY "${PROBEBOX_LWIP_PORT}/net")
foreach(port lwipopts.h arch)
  file(CREATE_LINK "${CMAKE_SOURCE_DIR}/firmware/net/${port}" "${PROBEBOX_LWIP_PORT}/${port}" SYMBOLIC)
endforeach()
file(CREATE_LINK "${CMAKE_SOURCE_DIR}/firmware/net/platform_hooks.h" "${PROBEBOX_LWIP_PORT}/net/platform_hooks.h" SYMBOLIC)
target_include_directories(lwip PUBLIC "${PROBEBOX_LWIP_PORT}")
target_link_libraries(lwip PUBLIC firmware_core)
target_compile_options(lwip PRIVATE ${PROBEBOX_THIRD_PARTY_C_FLAGS})
if(PROBEBOX_SANITIZE)
  # snmp_asn1_dec_s32t builds a negative INTEGER as `-1 << 8`: undefined in ISO C,
  # defined by GCC and Clang (arithmetic shift), and reachable by any request with
  # a negative integer. The sanitizer builds would abort on it; the board does not.
  set_source_files_properties("${LWIP_DIR}/src/apps/snmp/snmp_asn1.c" PROPERTIES COMPILE_OPTIONS
                              -fno-sanitize=shift-base)
endif()
target_link_libraries(lwip PUBLIC mbedtls)

# --- jsmn (header-only JSON tokenizer, Debian's libjsmn-dev) -----------------
# Only the one header is taken, into the build tree, so the cross build does not
# see the host's /usr/include.
find_file(JSMN_HEADER jsmn.h PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
if(NOT JSMN_HEADER)
  message(FATAL_ERROR "jsmn.h not found: run scripts/setup (package libjsmn-dev)")
endif()
file(COPY "${JSMN_HEADER}" DESTINATION "${CMAKE_BINARY_DIR}/jsmn-include")
add_library(jsmn INTERFACE)
target_include_directories(jsmn SYSTEM INTERFACE "${CMAKE_BINARY_DIR}/jsmn-include")
