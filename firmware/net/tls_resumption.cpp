#include "net/tls_resumption.h"

#include "net/tls_memory.h"

namespace probebox::net {

bool TlsResumption::save(const mbedtls_ssl_context& ssl) {
  // The session's copy (with the server's certificate) lives only for this call,
  // beside the client session it comes from.
  TlsPoolScope client(TlsPool::kClient);
  length_ = 0;
  mbedtls_ssl_session session;
  mbedtls_ssl_session_init(&session);
  size_t written = 0;
  bool ok = mbedtls_ssl_get_session(&ssl, &session) == 0 &&
            mbedtls_ssl_session_save(&session, bytes_, sizeof(bytes_), &written) == 0;
  mbedtls_ssl_session_free(&session);
  if (!ok) return false;
  length_ = static_cast<uint16_t>(written);
  version_ = mbedtls_ssl_get_version_number(&ssl) == MBEDTLS_SSL_VERSION_TLS1_3 ? TlsVersion::k13 : TlsVersion::k12;
  return true;
}

bool TlsResumption::offer(mbedtls_ssl_context& ssl, TlsVersion version) const {
  // A session of the other version would make mbedTLS offer that version.
  if (length_ == 0 || version_ != version) return false;
  TlsPoolScope client(TlsPool::kClient);
  mbedtls_ssl_session session;
  mbedtls_ssl_session_init(&session);
  bool ok = mbedtls_ssl_session_load(&session, bytes_, length_) == 0 && mbedtls_ssl_set_session(&ssl, &session) == 0;
  mbedtls_ssl_session_free(&session);
  return ok;
}

namespace {
uint32_t server_key(std::string_view host, uint16_t port) {
  uint32_t h = 2166136261u;
  for (char c : host) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  h = (h ^ (port & 0xFF)) * 16777619u;
  h = (h ^ (port >> 8)) * 16777619u;
  return h == 0 ? 1 : h;
}
}  // namespace

TlsResumptionCache::Server& TlsResumptionCache::slot(std::string_view host, uint16_t port) {
  uint32_t key = server_key(host, port);
  Entry* oldest = &entries_[0];
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.used = ++clock_;
      return e.server;
    }
    if (e.used < oldest->used) oldest = &e;
  }
  oldest->key = key;
  oldest->used = ++clock_;
  oldest->server.reset();
  return oldest->server;
}

void TlsResumptionCache::clear() {
  for (Entry& e : entries_) {
    e.key = 0;
    e.used = 0;
    e.server.reset();
  }
}

}  // namespace probebox::net
