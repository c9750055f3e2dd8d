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
  if (ok) length_ = written;
  return ok;
}

bool TlsResumption::offer(mbedtls_ssl_context& ssl) const {
  if (length_ == 0) return false;
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

TlsResumption& TlsResumptionCache::slot(std::string_view host, uint16_t port) {
  uint32_t key = server_key(host, port);
  Entry* oldest = &entries_[0];
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.used = ++clock_;
      return e.session;
    }
    if (e.used < oldest->used) oldest = &e;
  }
  oldest->key = key;
  oldest->used = ++clock_;
  oldest->session.clear();
  return oldest->session;
}

void TlsResumptionCache::clear() {
  for (Entry& e : entries_) {
    e.key = 0;
    e.used = 0;
    e.session.clear();
  }
}

}  // namespace probebox::net
