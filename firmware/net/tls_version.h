// The TLS version a client session offers, on its own so that what is saved between
// sessions (net/tls_resumption.h) can say which version its server speaks.
#pragma once
#include <cstdint>

namespace probebox::net {

// One ClientHello never offers both: mbedTLS 3.6 (without MBEDTLS_USE_PSA_CRYPTO)
// cannot verify an RSA-PSS ServerKeyExchange in TLS 1.2, yet a ClientHello that also
// offers 1.3 must list RSA-PSS, and OpenSSL's TLS 1.2 servers then pick it (measured:
// every nginx 1.22 on the lab failed with ILLEGAL_PARAMETER). TLS 1.2 is also the
// cheaper handshake for a probe (1.3's certificate comes only after the key
// exchange), so 1.2 is the default and 1.3 is for the servers that accept nothing older.
enum class TlsVersion : uint8_t { k12, k13 };

}  // namespace probebox::net
