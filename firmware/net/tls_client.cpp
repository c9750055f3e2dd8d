#include "net/tls_client.h"

#include <cstring>

#include "core/limits.h"
#include "mbedtls/asn1.h"
#include "mbedtls/base64.h"
#include "mbedtls/bignum.h"
#include "mbedtls/cipher.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/error.h"
#include "mbedtls/oid.h"
#include "mbedtls/platform.h"
#include "net/tls12_transcript.h"
#include "net/tls_bio.h"
#include "net/tls_memory.h"
// 3.6's psa_util.h declares mbedtls_psa_get_random without C linkage for C++.
extern "C" {
#include "mbedtls/psa_util.h"
}
#include "mbedtls/ssl_ciphersuites.h"

namespace probebox::net {

void TlsClientConfig::reset() {
  if (!ready_) return;
  mbedtls_ssl_config_free(&conf_);
  mbedtls_ssl_config_free(&conf13_);
  mbedtls_x509_crt_free(&anchors_);
  anchor_count_ = 0;
  ready_ = false;
}

Status TlsClientConfig::setup(std::string_view pem) {
  // The anchors and configs live as long as the config: the shared pool.
  TlsPoolScope shared(TlsPool::kShared);
  reset();
  resumption_.clear();
  verified_chains_.clear();
  mbedtls_x509_crt_init(&anchors_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ssl_config_init(&conf13_);
  ready_ = true;
  // TLS 1.3's key schedule runs on PSA, and PSA's DRBG is the one RNG the sessions
  // use: it seeds from mbedtls_hardware_poll (the board's entropy source), once.
  if (!tls_crypto_init()) return StatusCode::kUnavailable;
  // Each PEM block's base64 body is decoded into a buffer of its own size from the
  // arena, parsed (mbedTLS keeps its own copy) and freed: no static staging block.
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t at = 0;
  while (at < pem.size()) {
    size_t begin = pem.find(kBegin, at);
    if (begin == std::string_view::npos) break;
    begin += kBegin.size();
    size_t end = pem.find(kEnd, begin);
    if (end == std::string_view::npos) return StatusCode::kInvalidArgument;
    const auto* body = reinterpret_cast<const unsigned char*>(pem.data() + begin);
    size_t body_len = end - begin;
    size_t der_len = 0;
    // The first call only measures (it fails with BUFFER_TOO_SMALL); bad base64 fails.
    if (mbedtls_base64_decode(nullptr, 0, &der_len, body, body_len) == MBEDTLS_ERR_BASE64_INVALID_CHARACTER ||
        der_len == 0) {
      return StatusCode::kInvalidArgument;
    }
    auto* der = static_cast<unsigned char*>(mbedtls_calloc(1, der_len));
    if (der == nullptr) return StatusCode::kResourceExhausted;
    int rc = mbedtls_base64_decode(der, der_len, &der_len, body, body_len);
    if (rc == 0) rc = mbedtls_x509_crt_parse_der(&anchors_, der, der_len);
    mbedtls_free(der);
    if (rc != 0) return StatusCode::kInvalidArgument;
    ++anchor_count_;
    at = end + kEnd.size();
  }
  Status status = setup_config(conf_, TlsVersion::k12);
  return status.ok() ? setup_config(conf13_, TlsVersion::k13) : status;
}

Status TlsClientConfig::setup_config(mbedtls_ssl_config& conf, TlsVersion version) {
  if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
    return StatusCode::kInternal;
  }
  // The verdict is ours to make (expired, missing intermediate...): verification
  // results are data, never a reason to abort the handshake. ChainCheck::kByCaller
  // turns the verification off per session (TlsClientSession::begin).
  mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_ca_chain(&conf, anchor_count_ > 0 ? &anchors_ : nullptr, nullptr);
  mbedtls_ssl_conf_rng(&conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
  // One version per ClientHello (TlsVersion says why); the library has nothing
  // older than 1.2.
  mbedtls_ssl_protocol_version v = version == TlsVersion::k13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2;
  mbedtls_ssl_conf_min_tls_version(&conf, v);
  mbedtls_ssl_conf_max_tls_version(&conf, v);
  // X25519 first: with Everest's X25519 (mbedtls_config_fw.h) a TLS 1.2 full handshake
  // costs a third of what it did with P-256 on mbedTLS's generic ECP (nginx and any
  // OpenSSL server without server preference take the client's first group), and a
  // TLS 1.3 ClientHello's one key share is X25519's, as every browser's is. P-256 and
  // P-384 stay on offer for the servers that take only NIST curves.
  static const uint16_t kGroups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                     MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
  mbedtls_ssl_conf_groups(&conf, kGroups);
  // A TLS 1.3 server's tickets come after the handshake, between application data:
  // read() notes each (new_ticket()) so that a client that resumes can keep it.
  if (version == TlsVersion::k13) {
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
  }
  return Status();
}

Status TlsClientSession::begin(TlsClientConfig& config, struct tcp_pcb* pcb, std::string_view server_name,
                               TlsVersion version, const TlsResumption* resume, ChainCheck check) {
  // Everything a session holds is in the client pool (net/tls_memory.h).
  TlsPoolScope client(TlsPool::kClient);
  RsaWorkScope work(&rsa_work_);
  end();
  mbedtls_ssl_init(&ssl_);
  active_ = true;
  pcb_ = pcb;
  last_error_ = 0;
  memory_refused_ = false;
  rsa_work_ = probebox_rsa_work{PROBEBOX_TLS_RSA_WORK_PER_SESSION, 0, 0};
  write_starved_ = false;
  oversized_length_ = 0;
  oversized_type_ = 0;
  received_alert_ = -1;
  offered_resumption_ = false;
  chain_verified_ = false;
  offered_ = version;
  peer_closed_ = false;
  rsa_r2_ = &config.rsa_r2();
  r2_looked_up_ = false;
  r2_done_ = false;
  const uint32_t refusals = tls_allocation_failures();
  int rc = mbedtls_ssl_setup(&ssl_, config.ssl_config(version));
  if (rc != 0) {
    note_failure(rc, refusals);
    return StatusCode::kResourceExhausted;
  }
  // kByCaller: VERIFY_NONE for this handshake, which in a client skips only the
  // chain's verification: the Certificate message is still parsed and the server's
  // signature over the handshake still verified with the leaf's key (ssl_tls.c,
  // ssl_tls13_generic.c). Both read the handshake's own mode before the config's
  // whenever MBEDTLS_SSL_SRV_C and SNI are built in (the check below), so one config
  // per version serves both kinds of session.
#if !defined(MBEDTLS_SSL_SRV_C) || !defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
#error "ChainCheck::kByCaller needs mbedtls_ssl_set_hs_authmode honoured by the client"
#endif
  if (check == ChainCheck::kByCaller) mbedtls_ssl_set_hs_authmode(&ssl_, MBEDTLS_SSL_VERIFY_NONE);
  FixedText<253> sni(server_name);
  if (!sni.empty()) {
    // mbedTLS keeps its own copy of the name: that can fail for want of memory too.
    const uint32_t name_refusals = tls_allocation_failures();
    if (int name_rc = mbedtls_ssl_set_hostname(&ssl_, sni.c_str()); name_rc != 0) {
      note_failure(name_rc, name_refusals);
      return memory_refused_ ? StatusCode::kResourceExhausted : StatusCode::kInvalidArgument;
    }
  }
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
  // Called for every certificate mbedTLS verifies, so only in a full handshake: a
  // resumed one sends none. The flags are left as they are: the verdict is ours.
  mbedtls_ssl_set_verify(&ssl_, on_verify, this);
  new_ticket_ = false;
  if (resume != nullptr) offered_resumption_ = resume->offer(ssl_, version);
  return Status();
}

int TlsClientSession::on_verify(void* ctx, mbedtls_x509_crt*, int, uint32_t*) {
  static_cast<TlsClientSession*>(ctx)->chain_verified_ = true;
  return 0;
}

bool TlsClientSession::push(struct pbuf* p) {
  if (pending_bytes_ + p->tot_len > kMaxPending) {
    pbuf_free(p);
    return false;
  }
  pending_bytes_ += p->tot_len;
  if (pending_ == nullptr) pending_ = p;
  else pbuf_cat(pending_, p);
  return true;
}

int TlsClientSession::bio_recv(void* ctx, unsigned char* buf, size_t len) {
  auto* self = static_cast<TlsClientSession*>(ctx);
  int n = tls_bio_read(self->pcb_, self->pending_, self->peer_closed_, buf, len);
  if (n > 0) self->pending_bytes_ -= static_cast<size_t>(n);
  return n;
}

int TlsClientSession::bio_send(void* ctx, const unsigned char* buf, size_t len) {
  auto* self = static_cast<TlsClientSession*>(ctx);
  return tls_bio_write(self->pcb_, buf, len, &self->write_starved_);
}

bool TlsClientSession::key_exchange_signed() const {
  const mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  const mbedtls_ssl_ciphersuite_t* suite =
      negotiating != nullptr ? mbedtls_ssl_ciphersuite_from_id(negotiating->MBEDTLS_PRIVATE(ciphersuite)) : nullptr;
  return suite != nullptr && suite->MBEDTLS_PRIVATE(key_exchange) != MBEDTLS_KEY_EXCHANGE_RSA;
}

// mbedTLS 3.x makes the handshake state private and offers no accessor for it (nor
// for the ciphersuite being negotiated, nor the peer chain before the handshake is
// over, which a probe that stops early needs): these few reads use MBEDTLS_PRIVATE.
TlsClientSession::Progress TlsClientSession::handshake(bool stop_early) {
  TlsPoolScope client(TlsPool::kClient);
  RsaWorkScope work(&rsa_work_);
  for (int steps = 0; steps < 64; ++steps) {
    if (mbedtls_ssl_is_handshake_over(&ssl_)) return Progress::kEstablished;
    int state = ssl_.MBEDTLS_PRIVATE(state);
    if (stop_early) {
      mbedtls_ssl_protocol_version version = mbedtls_ssl_get_version_number(&ssl_);
      // TLS 1.2: after the ServerKeyExchange was parsed and its signature checked
      // against the certificate's key, the server has proved it holds that key: for a
      // certificate check nothing after this (our key share, the Finished exchange)
      // adds anything. (The state is reached only after the ServerHello, so the
      // version read is the negotiated one.)
      if (version == MBEDTLS_SSL_VERSION_TLS1_2 && key_exchange_signed()) {
        if (state == MBEDTLS_SSL_CERTIFICATE_REQUEST) return Progress::kServerProved;
        // Just after the ServerHello: no Finished will be sent or checked, so the
        // Certificate message and what follows need not be hashed (tls12_transcript.h).
        if (state == MBEDTLS_SSL_SERVER_CERTIFICATE) (void)probebox_tls12_stop_transcript(&ssl_);
      }
      // TLS 1.3: the Certificate and CertificateVerify arrive encrypted, after the key
      // exchange; once CertificateVerify is checked only the Finished exchange is left.
      if (version == MBEDTLS_SSL_VERSION_TLS1_3 && state == MBEDTLS_SSL_SERVER_FINISHED) {
        return Progress::kServerProved;
      }
    }
    leaf_r2_before_step();
    const uint32_t refusals = tls_allocation_failures();
    int rc = mbedtls_ssl_handshake_step(&ssl_);
    leaf_r2_after_step();
    if (!check_message_size()) {
      last_error_ = rc != 0 ? rc : MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
      return Progress::kFailed;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Progress::kWantMore;
    if (rc != 0) {
      note_failure(rc, refusals);
      // The alert's description is the second byte of the alert record mbedTLS has
      // just read (no accessor in 3.6).
      if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) received_alert_ = ssl_.MBEDTLS_PRIVATE(in_msg)[1];
      return Progress::kFailed;
    }
  }
  return Progress::kWantMore;
}

// The leaf is in the session being negotiated from the step that parsed the server's
// Certificate on; its key is first used by a later step (the ServerKeyExchange's or
// CertificateVerify's signature), so R² is given before that one and kept after it.
// A resumed session carries the leaf it was saved with: given R², never used.
void TlsClientSession::leaf_r2_before_step() {
  if (r2_looked_up_ || rsa_r2_ == nullptr) return;
  mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  mbedtls_x509_crt* leaf = negotiating != nullptr ? negotiating->MBEDTLS_PRIVATE(peer_cert) : nullptr;
  if (leaf == nullptr || leaf->raw.p == nullptr) return;
  r2_looked_up_ = true;
  r2_done_ = rsa_r2_->load(leaf->pk_raw.p, leaf->pk_raw.len, leaf->pk);
}

void TlsClientSession::leaf_r2_after_step() {
  if (!r2_looked_up_ || r2_done_) return;
  mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  const mbedtls_x509_crt* leaf = negotiating != nullptr ? negotiating->MBEDTLS_PRIVATE(peer_cert) : nullptr;
  if (leaf == nullptr) {
    r2_done_ = true;  // the handshake is over: the session moved on
    return;
  }
  r2_done_ = rsa_r2_->store(leaf->pk_raw.p, leaf->pk_raw.len, leaf->pk);
}

// mbedTLS 3.6 (since 3.6.3) reassembles a handshake message spread over records and
// waits for the rest whatever length the header announced, failing only when a
// record no longer fits its input buffer, or never when the server stops sending:
// a message over the buffer is known to be unreadable from its first fragment. The
// reassembly state has no accessor: in_hslen (the announced length plus the 4-byte
// header) and the accumulated fragment length are read through MBEDTLS_PRIVATE, and
// the type from the first fragment, which mbedTLS keeps at the start of the record
// payload (in_buf + 8-byte sequence number + 5-byte record header; TLS, not DTLS).
bool TlsClientSession::check_message_size() {
  if (ssl_.MBEDTLS_PRIVATE(badmac_seen_or_in_hsfraglen) == 0) return true;
  size_t announced = ssl_.MBEDTLS_PRIVATE(in_hslen);
  if (announced <= 4 + size_t{kMaxHandshakeMessage}) return true;
  oversized_length_ = static_cast<uint32_t>(announced - 4);
  oversized_type_ = ssl_.MBEDTLS_PRIVATE(in_buf)[8 + 5];
  return false;
}

int TlsClientSession::read(uint8_t* out, size_t len) {
  TlsPoolScope client(TlsPool::kClient);
  RsaWorkScope work(&rsa_work_);
  const uint32_t refusals = tls_allocation_failures();
  int rc = mbedtls_ssl_read(&ssl_, out, len);
  // A TLS 1.3 ticket is not an error: it is in the session now, and what follows is
  // read on. mbedTLS meets a post-handshake message with WANT_READ while it holds the
  // message back for its next call (mbedtls_ssl_check_pending): waiting for more TCP
  // data then would stall whenever the server has sent everything already. A server
  // sends a handful of tickets at most; the bound is only against a hostile one.
  for (int rounds = 0; rounds < 16; ++rounds) {
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) new_ticket_ = true;
    else if (rc != MBEDTLS_ERR_SSL_WANT_READ || mbedtls_ssl_check_pending(&ssl_) == 0) break;
    rc = mbedtls_ssl_read(&ssl_, out, len);
  }
  if (rc < 0 && rc != MBEDTLS_ERR_SSL_WANT_READ) note_failure(rc, refusals);
  return rc;
}

int TlsClientSession::write(const uint8_t* data, size_t len) {
  TlsPoolScope client(TlsPool::kClient);
  RsaWorkScope work(&rsa_work_);
  const uint32_t refusals = tls_allocation_failures();
  int rc = mbedtls_ssl_write(&ssl_, data, len);
  if (rc < 0 && rc != MBEDTLS_ERR_SSL_WANT_WRITE) note_failure(rc, refusals);
  return rc;
}

void TlsClientSession::note_failure(int rc, uint32_t refusals_before) {
  last_error_ = rc;
  memory_refused_ = tls_allocation_failures() != refusals_before;
}

void TlsClientSession::end() {
  if (!active_) return;
  mbedtls_ssl_free(&ssl_);
  if (pending_ != nullptr) pbuf_free(pending_);
  pending_ = nullptr;
  pending_bytes_ = 0;
  pcb_ = nullptr;
  active_ = false;
}

const mbedtls_x509_crt* TlsClientSession::peer_chain() const {
  // mbedtls_ssl_get_peer_cert() answers only once the handshake is over; a probe that
  // stopped early reads the session being negotiated (private in 3.x).
  const mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  if (negotiating != nullptr && negotiating->MBEDTLS_PRIVATE(peer_cert) != nullptr) {
    return negotiating->MBEDTLS_PRIVATE(peer_cert);
  }
  return mbedtls_ssl_get_peer_cert(&ssl_);
}

uint32_t TlsClientSession::verify_flags() const { return mbedtls_ssl_get_verify_result(&ssl_); }

// What mbedtls_ssl_verify_certificate (ssl_tls.c) does for a client in a handshake,
// through the public API: the chain to the configured CAs under the config's profile
// (the default one), then the key usage the key exchange requires of the leaf and
// extKeyUsage serverAuth. Its host-name and EC-curve findings are left out: the
// judge masks them (names and keys have rules of their own). Without anchors the
// handshake sets NOT_TRUSTED whatever else, and the judge reads no flags then.
uint32_t TlsClientSession::verify_chain(const mbedtls_x509_crt* anchors) {
  const mbedtls_x509_crt* chain = peer_chain();
  if (chain == nullptr || chain->raw.p == nullptr) return MBEDTLS_X509_BADCERT_MISSING;
  if (anchors == nullptr) return MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  // The walk allocates as the in-handshake verification did: from the client pool.
  TlsPoolScope client(TlsPool::kClient);
  RsaWorkScope work(&rsa_work_);
  uint32_t flags = 0;
  int rc = mbedtls_x509_crt_verify_with_profile(const_cast<mbedtls_x509_crt*>(chain),
                                                const_cast<mbedtls_x509_crt*>(anchors), nullptr,
                                                &mbedtls_x509_crt_profile_default, nullptr, &flags, on_verify, this);
  // A verification that did not finish (memory) is never a trusted one.
  if (rc != 0 && (rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || flags == 0)) flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  unsigned int usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  if (mbedtls_ssl_get_version_number(&ssl_) == MBEDTLS_SSL_VERSION_TLS1_2) {
    const mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
    int id = negotiating != nullptr ? negotiating->MBEDTLS_PRIVATE(ciphersuite) : 0;
    if (id == 0 && ssl_.MBEDTLS_PRIVATE(session) != nullptr) id = ssl_.MBEDTLS_PRIVATE(session)->MBEDTLS_PRIVATE(ciphersuite);
    const mbedtls_ssl_ciphersuite_t* suite = mbedtls_ssl_ciphersuite_from_id(id);
    int kx = suite != nullptr ? static_cast<int>(suite->MBEDTLS_PRIVATE(key_exchange)) : MBEDTLS_KEY_EXCHANGE_NONE;
    if (kx == MBEDTLS_KEY_EXCHANGE_RSA || kx == MBEDTLS_KEY_EXCHANGE_RSA_PSK) usage = MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
    else if (kx == MBEDTLS_KEY_EXCHANGE_ECDH_RSA || kx == MBEDTLS_KEY_EXCHANGE_ECDH_ECDSA) usage = MBEDTLS_X509_KU_KEY_AGREEMENT;
    else if (kx != MBEDTLS_KEY_EXCHANGE_DHE_RSA && kx != MBEDTLS_KEY_EXCHANGE_ECDHE_RSA &&
             kx != MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA) usage = 0;
  }
  if (usage != 0 && mbedtls_x509_crt_check_key_usage(chain, usage) != 0) flags |= MBEDTLS_X509_BADCERT_KEY_USAGE;
  if (mbedtls_x509_crt_check_extended_key_usage(chain, MBEDTLS_OID_SERVER_AUTH,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0) {
    flags |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
  }
  return flags;
}

const char* TlsClientSession::ciphersuite() const {
  const mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  if (negotiating != nullptr && negotiating->MBEDTLS_PRIVATE(ciphersuite) != 0) {
    return mbedtls_ssl_get_ciphersuite_name(negotiating->MBEDTLS_PRIVATE(ciphersuite));
  }
  return mbedtls_ssl_get_ciphersuite(&ssl_);
}

const char* TlsClientSession::tls_version() const {
  if (!active_) return "";
  // Until the ServerHello is read the context holds the highest version offered.
  const mbedtls_ssl_session* negotiating = ssl_.MBEDTLS_PRIVATE(session_negotiate);
  bool negotiated = mbedtls_ssl_is_handshake_over(const_cast<mbedtls_ssl_context*>(&ssl_)) ||
                    (negotiating != nullptr && negotiating->MBEDTLS_PRIVATE(ciphersuite) != 0);
  if (!negotiated) return "";
  switch (mbedtls_ssl_get_version_number(&ssl_)) {
    case MBEDTLS_SSL_VERSION_TLS1_2: return "1.2";
    case MBEDTLS_SSL_VERSION_TLS1_3: return "1.3";
    default: return "";
  }
}

void TlsClientSession::describe_error(TextBuffer& out) const {
  if (memory_refused_) {
    out.append("no TLS memory free on the box");
    return;
  }
  if (message_too_big()) {
    if (oversized_type_ == kCertificateMessage) out.append("certificate chain of ");
    else out.appendf("handshake message (type %u) of ", static_cast<unsigned>(oversized_type_));
    out.appendf("%lu bytes, over this box's limit of %lu", static_cast<unsigned long>(oversized_length_),
                static_cast<unsigned long>(kMaxHandshakeMessage));
    return;
  }
  // A signature the box refused to check, rather than mbedTLS's "bad input" for it.
  if (rsa_work_.long_exponent != 0) {
    out.appendf("an RSA key in the server's chain has a public exponent over %u bits",
                static_cast<unsigned>(PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS));
    return;
  }
  if (rsa_work_.refused != 0) {
    out.append("the server's RSA keys ask more work than the box gives one connection");
    return;
  }
  if (received_alert_ >= 0) {
    out.appendf("the server sent the TLS alert %s", tls_alert_name(received_alert_));
    if (version_refused()) out.append(offered_ == TlsVersion::k13 ? " to TLS 1.3" : " to TLS 1.2");
    return;
  }
  describe_tls_error(last_error_, out);
}

const char* offered_key_exchanges(TlsVersion version) {
  if (version == TlsVersion::k13) return "ECDHE";
#if defined(MBEDTLS_KEY_EXCHANGE_RSA_ENABLED)
  return "ECDHE, RSA";
#else
  return "ECDHE";
#endif
}

const char* tls_refusal_name(int refusal) {
  return refusal == TlsClientSession::kClosedWithoutAlert ? "closed" : tls_alert_name(refusal);
}

void describe_refusals(int refusal12, int refusal13, bool key_exchanges, TextBuffer& out) {
  if (refusal12 != TlsClientSession::kClosedWithoutAlert) out.append("alert ");
  out.appendf("%s to TLS 1.2", tls_refusal_name(refusal12));
  if (key_exchanges) out.appendf(" (%s)", offered_key_exchanges(TlsVersion::k12));
  out.appendf(", %s to 1.3", tls_refusal_name(refusal13));
  if (key_exchanges) out.appendf(" (%s)", offered_key_exchanges(TlsVersion::k13));
}

const char* tls_alert_name(int alert) {
  switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 120: return "no_application_protocol";
    default: return "(unknown)";
  }
}

bool tls_lacked_memory(int code) {
  if (code >= 0) return false;
  // mbedTLS adds a low-level module's code (bits 0-6) to a high-level one's (7-14).
  const int high = -((-code) & 0x7F80);
  const int low = -((-code) & 0x007F);
  return high == MBEDTLS_ERR_SSL_ALLOC_FAILED || high == MBEDTLS_ERR_X509_ALLOC_FAILED ||
         high == MBEDTLS_ERR_PK_ALLOC_FAILED || high == MBEDTLS_ERR_CIPHER_ALLOC_FAILED ||
         high == MBEDTLS_ERR_MD_ALLOC_FAILED || high == MBEDTLS_ERR_ECP_ALLOC_FAILED ||
         low == MBEDTLS_ERR_MPI_ALLOC_FAILED || low == MBEDTLS_ERR_ASN1_ALLOC_FAILED;
}

bool TlsClientSession::lacked_memory() const { return memory_refused_ || tls_lacked_memory(last_error_); }

void describe_tls_error(int code, TextBuffer& out) {
  if (tls_lacked_memory(code)) {
    out.append("no TLS memory free on the box");
    return;
  }
  // mbedTLS names these from its own side ("feature not available" for a handshake
  // message longer than its record): the operator needs to hear what the server did.
  switch (code) {
    case MBEDTLS_ERR_SSL_INVALID_RECORD: out.append("the server sent an invalid TLS record"); return;
    case MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE: out.append("malformed or unsupported handshake message"); return;
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE: out.append("unexpected handshake message"); return;
    case MBEDTLS_ERR_SSL_DECODE_ERROR: out.append("malformed handshake message"); return;
    case MBEDTLS_ERR_SSL_CONN_EOF: out.append("the server closed the connection"); return;
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION: out.append("the server chose a TLS version older than offered"); return;
    default: break;
  }
  char text[96];
  mbedtls_strerror(code, text, sizeof(text));
  out.append(text);
}

}  // namespace probebox::net
