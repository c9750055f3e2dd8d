// TLS session resumption for the clients that talk to one server again and again
// (the smtp probe and the mail alerts to the relay), in a bounded slot per server:
// - TLS 1.2: the server's ticket or session id, the master secret and the certificate
//   the session was established with (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE), all saved by
//   mbedTLS; a resumed handshake skips the key exchange and the chain verification,
//   and the saved certificate is judged again (dates against today).
// - TLS 1.3: the server's ticket (a PSK, resumed with a fresh ECDHE: psk_dhe_ke),
//   which arrives after the handshake. mbedTLS saves no certificate with it, so what
//   was judged of the certificate (x509::PeerFacts) is kept beside it and judged
//   again with that day's clock.
// The slot also remembers which version its server last completed a handshake in,
// so a relay that accepts nothing older than 1.3 is not asked for 1.2 every time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/limits.h"
#include "mbedtls/ssl.h"
#include "net/tls_version.h"
#include "protocols/x509_summary.h"

namespace probebox::net {

class TlsResumption {
 public:
  // A relay's leaf certificate (about 1.5 KB for RSA 2048) plus ticket and secrets.
  static constexpr size_t kBytes = PROBEBOX_TLS_RESUMPTION_BYTES;

  bool empty() const { return length_ == 0; }
  void clear() { length_ = 0; }
  // Keeps the session of the handshake that just ended on `ssl` (TLS 1.3: once its
  // ticket has arrived); false (and empty) when it cannot be serialised into kBytes.
  bool save(const mbedtls_ssl_context& ssl);
  // Offers the saved session to a handshake of `version` about to start on `ssl`
  // (after mbedtls_ssl_setup); false when there is none of that version or it no
  // longer loads.
  bool offer(mbedtls_ssl_context& ssl, TlsVersion version) const;

 private:
  uint8_t bytes_[kBytes];
  uint16_t length_ = 0;
  TlsVersion version_ = TlsVersion::k12;  // the saved session's
  static_assert(kBytes <= UINT16_MAX, "length_ holds a slot's length");
};

// A few slots keyed by server (host text and port); the least recently used is
// reused. Owned by the application, shared by every client that resumes.
class TlsResumptionCache {
 public:
  static constexpr size_t kSlots = PROBEBOX_TLS_RESUMPTION_SLOTS;

  // One server's slot.
  struct Server {
    TlsResumption session;
    // The version to offer first: the one the server last completed a handshake in.
    TlsVersion version = TlsVersion::k12;
    // TLS 1.3: what was judged of the certificate the session was made with (valid
    // when has_peer). A 1.3 session is kept only with it.
    bool has_peer = false;
    x509::PeerFacts peer;
    // When the full handshake behind the session was made (monotonic microseconds).
    int64_t full_handshake_us = 0;

    // A failed handshake: the session goes, the server's version stays known.
    void forget_session() {
      session.clear();
      has_peer = false;
    }
    // A session is offered for kMaxAgeMicros after its full handshake, so that a
    // server that took a new certificate, and still accepts the old session, shows
    // it within that time.
    static constexpr int64_t kMaxAgeMicros = 600LL * 1'000'000;
    bool too_old(int64_t now_us) const {
      return now_us - full_handshake_us > kMaxAgeMicros || now_us < full_handshake_us;
    }
    void reset() {
      forget_session();
      version = TlsVersion::k12;
    }
  };

  // The slot for host:port: the one it had, else the least recently used, emptied.
  Server& slot(std::string_view host, uint16_t port);
  void clear();

 private:
  struct Entry {
    uint32_t key = 0;  // FNV-1a of host and port; 0 is free
    uint32_t used = 0;
    Server server;
  };
  Entry entries_[kSlots];
  uint32_t clock_ = 0;
};

}  // namespace probebox::net
