// The box's own TLS identity for its web UI over HTTPS: a certificate chain and its
// private key, and the server SSL config every HTTPS session shares.
//
// The identity is kept in flash as one record (TlsIdentityRecord's layout: the key
// and each certificate as DER, each behind a 2-byte length). On first boot the box
// makes its own (make_self_signed_identity: an EC P-256 key from PSA's DRBG, which
// is seeded from the board's entropy source, and a self-signed certificate for its
// name and address); an operator may replace it with their own (parse_pem_identity:
// PEM certificate(s) and key, checked to match). Everything here allocates only in
// the mbedTLS arena.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

namespace probebox::net {

// The flash record's capacity: a P-256 key and certificate take under 1 KiB; an
// operator's RSA-2048 key with a leaf and three intermediates about 6 KiB.
inline constexpr size_t kTlsIdentityRecordBytes = 7 * 1024;
// What make_self_signed_identity writes at most: a P-256 key's DER and its certificate.
inline constexpr size_t kSelfSignedRecordBytes = 2 + 256 + 2 + 1024;
// Certificates one identity may hold (the leaf and its intermediates).
inline constexpr size_t kTlsIdentityMaxCerts = 4;

// What `record` holds: the key's DER and the certificates' DER, leaf first. The views
// point into the record.
struct TlsIdentityParts {
  std::span<const uint8_t> key;
  std::span<const uint8_t> certs[kTlsIdentityMaxCerts];
  size_t cert_count = 0;
};
Status split_identity_record(std::span<const uint8_t> record, TlsIdentityParts& out);

// A certificate's SHA-256 fingerprint as upper-case hex pairs joined by ':' (95 characters).
using Fingerprint = FixedText<96>;
void format_fingerprint(std::span<const uint8_t> der, Fingerprint& out);
// The base64 SHA-256 of the certificate's SubjectPublicKeyInfo (what a browser's
// SPKI pin names).
Status spki_pin(const mbedtls_x509_crt& cert, FixedText<48>& out);

// Needs tls_crypto_init(). Makes a fresh P-256 key and a self-signed certificate
// for `name` (a DNS name, also the subject CN) and `ipv4` (host order; 0: none),
// valid 2024-01-01 to 2049-12-31 (the box's clock may not be set at first boot),
// and writes them as a record into `record`; `length` is what it used.
Status make_self_signed_identity(std::string_view name, uint32_t ipv4, std::span<uint8_t> record, size_t& length);

// Where a record goes as it is made: its whole length first, then its bytes in order.
// An operator's upload is written through one straight into its flash slot, so no
// RAM copy of the record sits beside the parsed key and chain (on the Cortex-M4 the
// shared pool could not hold both for an RSA key).
class RecordSink {
 public:
  virtual Status begin(size_t length) = 0;
  virtual Status write(std::span<const uint8_t> bytes) = 0;

 protected:
  ~RecordSink() = default;
};

// A sink into a buffer: kResourceExhausted when the record does not fit.
class SpanRecordSink final : public RecordSink {
 public:
  explicit SpanRecordSink(std::span<uint8_t> out) : out_(out) {}
  Status begin(size_t length) override;
  Status write(std::span<const uint8_t> bytes) override;
  size_t length() const { return used_; }

 private:
  std::span<uint8_t> out_;
  size_t used_ = 0;
};

// The box's own key signs every HTTPS handshake, in one pass of the main loop: EC
// P-256 or P-384, or RSA of 2048 bits up to PROBEBOX_TLS_SERVER_RSA_MAX_BITS.
bool server_key_acceptable(const mbedtls_pk_context& key);

// Needs tls_crypto_init(). An operator's upload: PEM text holding one private key
// (PKCS#8, SEC1 EC or PKCS#1 RSA, unencrypted) and one or more certificates, the
// first the leaf. Valid only when every block parses, the key is one
// server_key_acceptable() takes, the leaf's public key is the key's, and it all fits
// kTlsIdentityRecordBytes; then the record goes to `sink`. On failure `error` says why
// (and `sink` may hold a part of a record, never finished).
Status parse_pem_identity(std::string_view pem, RecordSink& sink, TextBuffer& error);

class TlsServerIdentity {
 public:
  // Parses a record and builds the server config (TLS 1.2 and 1.3) around it.
  // Needs tls_crypto_init(). On failure nothing is loaded.
  Status load(std::span<const uint8_t> record);
  void reset();
  bool ready() const { return ready_; }
  mbedtls_ssl_config* ssl_config() { return ready_ ? &conf_ : nullptr; }
  const Fingerprint& fingerprint() const { return fingerprint_; }
  const FixedText<48>& spki_pin() const { return spki_pin_; }
  const mbedtls_x509_crt& leaf() const { return chain_; }

 private:
  mbedtls_x509_crt chain_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config conf_;
  Fingerprint fingerprint_;
  FixedText<48> spki_pin_;
  bool ready_ = false;
};

}  // namespace probebox::net
