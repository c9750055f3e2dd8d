// TLS 1.2 session resumption for the clients that talk to one server again and again
// (the smtp probe and the mail alerts to the relay): the server's ticket or session id,
// the master secret and the certificate the session was established with, saved by
// mbedTLS into a bounded slot per server. A resumed handshake skips the key exchange
// and the chain verification; the certificate it was made with is judged again (dates
// against today) from the saved copy (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "mbedtls/ssl.h"

namespace probebox::net {

class TlsResumption {
 public:
  // A relay's leaf certificate (about 1.5 KB for RSA 2048) plus ticket and secrets.
  static constexpr size_t kBytes = PROBEBOX_TLS_RESUMPTION_BYTES;

  bool empty() const { return length_ == 0; }
  void clear() { length_ = 0; }
  // Keeps the session of the handshake that just ended on `ssl`; false (and empty)
  // when it cannot be serialised into kBytes.
  bool save(const mbedtls_ssl_context& ssl);
  // Offers the saved session to the handshake about to start on `ssl` (after
  // mbedtls_ssl_setup); false when there is none or it no longer loads.
  bool offer(mbedtls_ssl_context& ssl) const;

 private:
  uint8_t bytes_[kBytes];
  size_t length_ = 0;
};

// A few slots keyed by server (host text and port); the least recently used is
// reused. Owned by the application, shared by every client that resumes.
class TlsResumptionCache {
 public:
  static constexpr size_t kSlots = PROBEBOX_TLS_RESUMPTION_SLOTS;

  // The slot for host:port: the one it had, else the least recently used, emptied.
  TlsResumption& slot(std::string_view host, uint16_t port);
  void clear();

 private:
  struct Entry {
    uint32_t key = 0;  // FNV-1a of host and port; 0 is free
    uint32_t used = 0;
    TlsResumption session;
  };
  Entry entries_[kSlots];
  uint32_t clock_ = 0;
};

}  // namespace probebox::net
