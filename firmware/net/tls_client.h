// A TLS 1.2/1.3 client session driven by the probe that owns the TCP connection: the
// probe hands it received pbufs (acknowledged to TCP only as mbedTLS consumes them,
// so the window is the only buffer) and steps the handshake itself, which lets the
// tls_cert probe stop as soon as the server has proved it holds the key.
// TlsClientConfig holds what every session shares: the SSL config and the trust
// anchors (the RNG is PSA's, seeded from the board's entropy source).
#pragma once
#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "core/text.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "net/rsa_r2_cache.h"
#include "net/rsa_work_budget.h"
#include "net/tls_resumption.h"
#include "net/tls_version.h"
#include "net/verified_chain_cache.h"
#include "protocols/root_store.h"

namespace probebox::net {


// Who verifies the server's chain. kInHandshake: mbedTLS, as it parses the
// Certificate message (verify_flags() has the result): every client that decides
// whether to send credentials. kByCaller: mbedTLS only parses it (and still verifies
// the server's signature over the handshake with the leaf's key); the caller verifies
// the chain after the handshake with verify_chain(), or not at all when it has
// already verified these very bytes (the tls_cert probe and its VerifiedChainCache).
enum class ChainCheck : uint8_t { kInHandshake, kByCaller };

class TlsClientConfig {
 public:
  // Starts PSA Crypto (its DRBG seeded from the board's entropy source, once per
  // boot) and parses the PEM trust anchors (empty: none). Idempotent.
  Status setup(std::string_view trust_anchors_pem);
  void reset();
  bool has_trust_anchors() const { return anchor_count_ > 0; }
  mbedtls_x509_crt* anchors() { return anchor_count_ > 0 ? &anchors_ : nullptr; }
  // The public roots for one verification (x509::judge_chain), judged at `now_s`
  // when the clock is valid; null when a check's `public_roots` is false.
  const x509::RootLookup* public_roots(bool enabled, bool now_valid, int64_t now_s) {
    // An image built without a public set (a board whose flash cannot hold it) judges
    // trust by the anchors alone, as with `public_roots: false`.
    if (!enabled || public_table_->count == 0) return nullptr;
    lookup_.table = public_table_;
    lookup_.now_valid = now_valid;
    lookup_.now_s = now_s;
    return &lookup_;
  }
  // The built-in table (the build's, from Debian's ca-certificates) unless the host
  // simulator was given a test set (--public-roots-pem): called before start-up.
  void use_public_roots(const x509::RootTable& table) { public_table_ = &table; }
  const x509::RootTable& public_table() const { return *public_table_; }
  // One config per version; a session with ChainCheck::kByCaller sets its own
  // authentication mode on top (TlsClientSession::begin).
  mbedtls_ssl_config* ssl_config(TlsVersion version = TlsVersion::k12) {
    return version == TlsVersion::k13 ? &conf13_ : &conf_;
  }
  bool ready() const { return ready_; }
  // Sessions to resume, per server; emptied by setup() (new anchors, new verdicts).
  TlsResumptionCache& resumption() { return resumption_; }
  // Chains the tls_cert probe verified; emptied by setup() (new anchors, new
  // public_roots: every verdict in it may have changed).
  VerifiedChainCache& verified_chains() { return verified_chains_; }
  // R² mod N of the RSA leaf keys the sessions verified a signature with (kept
  // across configurations: it depends on the key alone).
  RsaR2Cache& rsa_r2() { return rsa_r2_; }

 private:
  mbedtls_x509_crt anchors_;
  RsaR2Cache rsa_r2_;
  TlsResumptionCache resumption_;
  VerifiedChainCache verified_chains_;
  Status setup_config(mbedtls_ssl_config& conf, TlsVersion version);

  mbedtls_ssl_config conf_;    // TLS 1.2 only
  mbedtls_ssl_config conf13_;  // TLS 1.3 only
  int anchor_count_ = 0;
  bool ready_ = false;
  const x509::RootTable* public_table_ = &x509::kBuiltInRoots;
  x509::RootLookup lookup_;
};

class TlsClientSession {
 public:
  enum class Progress { kWantMore, kServerProved, kEstablished, kFailed };
  // Bytes buffered from TCP beyond which the peer is sending more than a handshake needs.
  static constexpr size_t kMaxPending = 24 * 1024;

  // With `resume` (not empty), the saved session is offered: resumed() says after
  // the handshake whether the server took it.
  Status begin(TlsClientConfig& config, struct tcp_pcb* pcb, std::string_view server_name,
               TlsVersion version = TlsVersion::k12, const TlsResumption* resume = nullptr,
               ChainCheck check = ChainCheck::kInHandshake);
  // Queues received TCP data (takes the pbuf); false when over kMaxPending.
  bool push(struct pbuf* p);
  void peer_closed() { peer_closed_ = true; }
  // Runs the handshake as far as the data allows. With stop_early, stops once the
  // server has proved it holds the certificate's key: TLS 1.2 after its Certificate
  // and signed ServerKeyExchange (ECDHE suites), TLS 1.3 after its CertificateVerify.
  Progress handshake(bool stop_early);
  // Application data after the handshake; <0 with WANT_READ when nothing yet.
  int read(uint8_t* out, size_t len);
  int write(const uint8_t* data, size_t len);
  void end();  // frees the mbedTLS state and any queued pbufs
  // After kEstablished: the server resumed the offered session (it sent no
  // certificate: none was verified in this handshake).
  bool resumed() const { return offered_resumption_ && !chain_verified_; }
  // After kEstablished: keeps this session to resume next time.
  bool save(TlsResumption& to) const { return to.save(ssl_); }
  // TLS 1.3: a ticket arrived since the last call (read() takes them in): the
  // session is worth saving now, and not before.
  bool take_new_ticket() {
    bool arrived = new_ticket_;
    new_ticket_ = false;
    return arrived;
  }

  // The chain the server sent (leaf first), valid after kServerProved/kEstablished.
  const mbedtls_x509_crt* peer_chain() const;
  uint32_t verify_flags() const;
  // With ChainCheck::kByCaller, after kServerProved/kEstablished: the flags the
  // handshake's own verification would have set (kInHandshake's verify_flags()): the
  // received chain verified to `anchors` (null: none, NOT_TRUSTED) with the same
  // profile, plus the key usage the negotiated key exchange requires of the leaf.
  uint32_t verify_chain(const mbedtls_x509_crt* anchors);
  const char* ciphersuite() const;
  // "1.2" or "1.3" once the ServerHello was read, else "".
  const char* tls_version() const;
  // After kEstablished: the session is TLS 1.3 (else 1.2).
  bool negotiated_tls13() const { return mbedtls_ssl_get_version_number(&ssl_) == MBEDTLS_SSL_VERSION_TLS1_3; }
  void describe_error(TextBuffer& out) const;
  bool active() const { return active_; }

  // The largest handshake message the box can read (the board's TLS input buffer,
  // MBEDTLS_SSL_IN_CONTENT_LEN): mbedTLS reassembles a message over records only
  // up to it. A server announcing a bigger one fails the handshake at once.
  static constexpr uint32_t kMaxHandshakeMessage = MBEDTLS_SSL_IN_CONTENT_LEN;
  static constexpr uint8_t kCertificateMessage = 11;  // TLS HandshakeType certificate
  // After kFailed: the server announced a handshake message over kMaxHandshakeMessage
  // (its type and length, from the handshake header).
  bool message_too_big() const { return oversized_length_ != 0; }
  // After kFailed: the TLS alert the server sent (its description code), or -1.
  int received_alert() const { return received_alert_; }
  // After kFailed: the server refused the version offered (alert protocol_version,
  // or handshake_failure, which some servers send instead).
  bool version_refused() const { return received_alert_ == 70 || received_alert_ == 40; }
  // After kFailed: the server closed (or reset) the connection without a ServerHello
  // and without an alert, which is how some servers (asyncio's, among others) refuse a
  // version they do not speak.
  bool closed_before_server_hello() const {
    return received_alert_ < 0 && last_error_ == MBEDTLS_ERR_SSL_CONN_EOF && tls_version()[0] == '\0';
  }
  // After kFailed: the server refused the version offered, either way: worth asking
  // again in the other one.
  bool refused_version() const { return version_refused() || closed_before_server_hello(); }
  // How it refused, for tls_refusal_name(): the alert, or kClosedWithoutAlert.
  static constexpr int kClosedWithoutAlert = 256;  // not an alert: those are one byte
  int refusal() const { return received_alert_ >= 0 ? received_alert_ : kClosedWithoutAlert; }
  // After kFailed: the server answered with an older version than the one offered
  // (a TLS 1.0/1.1-only server answers a 1.2 hello with its own version, no alert).
  bool older_version_chosen() const { return last_error_ == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION; }
  // After kFailed: the box's TLS memory ran out, which says nothing about the server:
  // the pools refused an allocation during the failed call, or mbedTLS said so
  // (tls_lacked_memory()).
  bool lacked_memory() const;
  // A public operation did not fit the session's RSA work budget (net/rsa_work_budget.h):
  // what it was to check did not verify.
  bool rsa_work_refused() const { return rsa_work_.refused != 0; }
  // An RSA public exponent over PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS was refused (mbedtls_public_exp.c).
  bool rsa_long_exponent_refused() const { return rsa_work_.long_exponent != 0; }
  // The session's last write to TCP took nothing for want of lwIP's memory (tls_bio.h):
  // mbedTLS waits for room, and if the wait lasts to the probe's deadline the box, not
  // the server, is why nothing came back.
  bool write_starved() const { return write_starved_; }
  TlsVersion offered() const { return offered_; }
  uint8_t oversized_type() const { return oversized_type_; }
  uint32_t oversized_length() const { return oversized_length_; }

 private:
  static int bio_send(void* ctx, const unsigned char* buf, size_t len);
  static int bio_recv(void* ctx, unsigned char* buf, size_t len);
  static int on_verify(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags);

  mbedtls_ssl_context ssl_;
  struct tcp_pcb* pcb_ = nullptr;
  struct pbuf* pending_ = nullptr;
  size_t pending_bytes_ = 0;
  bool check_message_size();
  // The suite the ServerHello named signs its ServerKeyExchange (ECDHE), so the
  // server proves its key before any Finished; false before the ServerHello.
  bool key_exchange_signed() const;
  // Around each handshake step: the leaf's R² mod N from the config's RsaR2Cache
  // before its key is first used, and kept after, when mbedTLS computed it.
  void leaf_r2_before_step();
  void leaf_r2_after_step();
  RsaR2Cache* rsa_r2_ = nullptr;
  bool r2_looked_up_ = false;
  bool r2_done_ = false;

  // A call failed: its code, and whether the pools refused memory during it
  // (tls_allocation_failures() moved from `refusals_before`).
  void note_failure(int rc, uint32_t refusals_before);
  int last_error_ = 0;
  bool memory_refused_ = false;
  probebox_rsa_work rsa_work_{};
  bool write_starved_ = false;
  uint32_t oversized_length_ = 0;
  uint8_t oversized_type_ = 0;
  int received_alert_ = -1;
  bool offered_resumption_ = false;
  bool new_ticket_ = false;
  bool chain_verified_ = false;
  TlsVersion offered_ = TlsVersion::k12;
  bool peer_closed_ = false;
  bool active_ = false;
};

// The key exchanges a ClientHello of `version` offers, for a failure's summary:
// "ECDHE, RSA" (TLS 1.2: ECDHE-ECDSA, ECDHE-RSA, RSA), "ECDHE" (TLS 1.3).
const char* offered_key_exchanges(TlsVersion version);

// A TLS alert's description code by its RFC 8446 name ("protocol_version").
const char* tls_alert_name(int alert);
// A refusal (TlsClientSession::refusal()) in a word: the alert's name, or "closed".
const char* tls_refusal_name(int refusal);

// Both versions refused, for a summary: "alert handshake_failure to TLS 1.2 (ECDHE,
// RSA), protocol_version to 1.3 (ECDHE)", a refusal without an alert "closed", and
// what each ClientHello offered only with `key_exchanges`.
void describe_refusals(int refusal12, int refusal13, bool key_exchanges, TextBuffer& out);

// What a handshake or record error code means, in words for a check's summary.
void describe_tls_error(int code, TextBuffer& out);
// mbedTLS's error `code` is an allocation that failed, at any of its levels (a TLS,
// X.509, PK, cipher, digest or curve context; a bignum or an ASN.1 buffer): the box's
// own TLS pool was full.
bool tls_lacked_memory(int code);

}  // namespace probebox::net
