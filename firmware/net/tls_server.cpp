#include "net/tls_server.h"

#include <cstring>

#include "mbedtls/base64.h"
#include "mbedtls/ecp.h"
#include "mbedtls/oid.h"
#include "mbedtls/platform.h"
#include "mbedtls/sha256.h"
#include "net/tls_memory.h"
// 3.6's psa_util.h declares mbedtls_psa_get_random without C linkage for C++.
extern "C" {
#include "mbedtls/psa_util.h"
}

namespace probebox::net {
namespace {

// A buffer in the mbedTLS arena for the length of one call (never held).
class ArenaBuffer {
 public:
  explicit ArenaBuffer(size_t size) : data_(static_cast<uint8_t*>(mbedtls_calloc(1, size))), size_(size) {}
  ~ArenaBuffer() {
    if (data_ != nullptr) {
      std::memset(data_, 0, size_);  // may have held a private key
      mbedtls_free(data_);
    }
  }
  ArenaBuffer(const ArenaBuffer&) = delete;
  ArenaBuffer& operator=(const ArenaBuffer&) = delete;
  uint8_t* data() { return data_; }
  size_t size() const { return size_; }
  bool ok() const { return data_ != nullptr; }

 private:
  uint8_t* data_;
  size_t size_;
};

// A name fit for the certificate's CN and dNSName: letters, digits, '-' and '.'.
bool plain_host_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The chain as TLS 1.3 sends it, the larger of the two versions' forms: the handshake
// header (4), the request context (1), the list's length (3), and per certificate its
// length (3) and its extensions' (2).
size_t certificate_message_bytes(const mbedtls_x509_crt& chain) {
  size_t n = 4 + 1 + 3;
  for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->raw.p != nullptr; c = c->next) n += 3 + c->raw.len + 2;
  return n;
}
// An RSA private key's DER is about 4.6 bytes per byte of modulus; a P-384 key's 167.
constexpr size_t kKeyDerBytes = PROBEBOX_TLS_SERVER_RSA_MAX_BITS / 8 * 5 + 256;
// What one record of the output buffer holds, less TLS 1.3's inner content type.
constexpr size_t kCertificateMessageMax = PROBEBOX_TLS_OUT_CONTENT_BYTES - 1;

// An RSA key's context grows at its first two private operations: the blinding pair
// (Vi, Vf, at double width from the second on) and the CRT halves' Montgomery
// constants. Made inside a handshake, those blocks would come from the server pool and
// stay there as long as the key: the next session's 16 KiB input buffer then found no
// room (seen on the Cortex-M4, where every handshake after the first failed). Two
// signatures here, in the caller's pool, put them where the key lives.
bool warm_rsa_key(mbedtls_pk_context& key) {
  if (mbedtls_pk_get_type(&key) != MBEDTLS_PK_RSA) return true;
  const unsigned char hash[32] = {};
  ArenaBuffer signature(mbedtls_pk_get_len(&key));
  size_t length = 0;
  bool ok = signature.ok() &&
            mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), signature.data(), signature.size(), &length,
                            mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) == 0;
  // The second as TLS 1.3 signs (RSA-PSS): the same private operation.
  ok = ok && mbedtls_pk_sign_ext(MBEDTLS_PK_RSASSA_PSS, &key, MBEDTLS_MD_SHA256, hash, sizeof(hash), signature.data(),
                                 signature.size(), &length, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) == 0;
  return ok;
}

// [2-byte big-endian length][bytes], into a sink.
Status write_entry(RecordSink& sink, const uint8_t* data, size_t n) {
  const uint8_t length[2] = {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  if (Status s = sink.write(length); !s.ok()) return s;
  return sink.write({data, n});
}

}  // namespace

Status SpanRecordSink::begin(size_t length) {
  used_ = 0;
  return length <= out_.size() ? Status() : Status(StatusCode::kResourceExhausted);
}

Status SpanRecordSink::write(std::span<const uint8_t> bytes) {
  if (bytes.size() > out_.size() - used_) return StatusCode::kResourceExhausted;
  std::memcpy(out_.data() + used_, bytes.data(), bytes.size());
  used_ += bytes.size();
  return Status();
}

bool server_key_acceptable(const mbedtls_pk_context& key) {
  mbedtls_pk_type_t type = mbedtls_pk_get_type(&key);
  if (type == MBEDTLS_PK_ECKEY) {
    mbedtls_ecp_group_id id = mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(key));
    return id == MBEDTLS_ECP_DP_SECP256R1 || id == MBEDTLS_ECP_DP_SECP384R1;
  }
  const size_t bits = mbedtls_pk_get_bitlen(&key);
  return type == MBEDTLS_PK_RSA && bits >= 2048 && bits <= PROBEBOX_TLS_SERVER_RSA_MAX_BITS;
}

Status split_identity_record(std::span<const uint8_t> record, TlsIdentityParts& out) {
  out = TlsIdentityParts{};
  size_t at = 0;
  bool have_key = false;
  while (at < record.size()) {
    if (record.size() - at < 2) return StatusCode::kInvalidArgument;
    size_t n = static_cast<size_t>(record[at]) << 8 | record[at + 1];
    at += 2;
    if (n == 0 || n > record.size() - at) return StatusCode::kInvalidArgument;
    std::span<const uint8_t> entry = record.subspan(at, n);
    at += n;
    if (!have_key) {
      out.key = entry;
      have_key = true;
    } else {
      if (out.cert_count == kTlsIdentityMaxCerts) return StatusCode::kInvalidArgument;
      out.certs[out.cert_count++] = entry;
    }
  }
  return have_key && out.cert_count > 0 ? Status() : Status(StatusCode::kInvalidArgument);
}

void format_fingerprint(std::span<const uint8_t> der, Fingerprint& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  uint8_t digest[32];
  mbedtls_sha256(der.data(), der.size(), digest, 0);
  out.clear();
  for (size_t i = 0; i < sizeof(digest); ++i) {
    if (i > 0) out.append(':');
    out.append(kHex[digest[i] >> 4]);
    out.append(kHex[digest[i] & 0xF]);
  }
}

Status spki_pin(const mbedtls_x509_crt& cert, FixedText<48>& out) {
  uint8_t der[600];  // an RSA-4096 SubjectPublicKeyInfo is 550 bytes
  int n = mbedtls_pk_write_pubkey_der(&cert.pk, der, sizeof(der));
  if (n <= 0) return StatusCode::kInvalidArgument;
  uint8_t digest[32];
  mbedtls_sha256(der + sizeof(der) - n, static_cast<size_t>(n), digest, 0);
  unsigned char text[48];
  size_t written = 0;
  if (mbedtls_base64_encode(text, sizeof(text), &written, digest, sizeof(digest)) != 0) return StatusCode::kInternal;
  out.assign(std::string_view(reinterpret_cast<const char*>(text), written));
  return Status();
}

Status make_self_signed_identity(std::string_view name, uint32_t ipv4, std::span<uint8_t> record, size_t& length) {
  // The identity lives from start to end, the work on it within this call: the
  // shared pool, whoever calls (net/tls_memory.h).
  TlsPoolScope shared(TlsPool::kShared);
  if (!tls_crypto_init()) return StatusCode::kUnavailable;
  if (!plain_host_name(name)) name = "probebox";
  FixedText<96> subject;
  subject.appendf("CN=%.*s,O=probebox", static_cast<int>(name.size()), name.data());
  if (subject.overflowed()) return StatusCode::kInvalidArgument;

  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  ArenaBuffer cert_der(1024), key_der(256);
  static_assert(kSelfSignedRecordBytes == 2 + 256 + 2 + 1024, "the record holds both buffers' worst case");
  Status result = StatusCode::kInternal;
  do {
    if (!cert_der.ok() || !key_der.ok()) {
      result = StatusCode::kResourceExhausted;
      break;
    }
    if (mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0) break;
    if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_psa_get_random,
                            MBEDTLS_PSA_RANDOM_STATE) != 0) {
      break;
    }
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    if (mbedtls_x509write_crt_set_subject_name(&crt, subject.c_str()) != 0) break;
    if (mbedtls_x509write_crt_set_issuer_name(&crt, subject.c_str()) != 0) break;
    unsigned char serial[16];
    if (mbedtls_psa_get_random(MBEDTLS_PSA_RANDOM_STATE, serial, sizeof(serial)) != 0) break;
    serial[0] = static_cast<unsigned char>((serial[0] & 0x7F) | 0x40);  // positive, 16 bytes long
    if (mbedtls_x509write_crt_set_serial_raw(&crt, serial, sizeof(serial)) != 0) break;
    if (mbedtls_x509write_crt_set_validity(&crt, "20240101000000", "20491231235959") != 0) break;
    if (mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1) != 0) break;
    if (mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) break;
    mbedtls_asn1_sequence server_auth{};
    server_auth.buf.tag = MBEDTLS_ASN1_OID;
    server_auth.buf.p = reinterpret_cast<unsigned char*>(const_cast<char*>(MBEDTLS_OID_SERVER_AUTH));
    server_auth.buf.len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
    if (mbedtls_x509write_crt_set_ext_key_usage(&crt, &server_auth) != 0) break;
    // The names a browser may reach it by: its name, and its address when it has one.
    mbedtls_x509_san_list dns{}, ip{};
    dns.node.type = MBEDTLS_X509_SAN_DNS_NAME;
    dns.node.san.unstructured_name.p = reinterpret_cast<unsigned char*>(const_cast<char*>(name.data()));
    dns.node.san.unstructured_name.len = name.size();
    unsigned char address[4] = {static_cast<unsigned char>(ipv4 >> 24), static_cast<unsigned char>(ipv4 >> 16),
                                static_cast<unsigned char>(ipv4 >> 8), static_cast<unsigned char>(ipv4)};
    if (ipv4 != 0) {
      ip.node.type = MBEDTLS_X509_SAN_IP_ADDRESS;
      ip.node.san.unstructured_name.p = address;
      ip.node.san.unstructured_name.len = sizeof(address);
      dns.next = &ip;
    }
    if (mbedtls_x509write_crt_set_subject_alternative_name(&crt, &dns) != 0) break;
    int cert_len = mbedtls_x509write_crt_der(&crt, cert_der.data(), cert_der.size(), mbedtls_psa_get_random,
                                             MBEDTLS_PSA_RANDOM_STATE);
    int key_len = mbedtls_pk_write_key_der(&key, key_der.data(), key_der.size());
    if (cert_len <= 0 || key_len <= 0) break;
    SpanRecordSink sink(record);
    result = sink.begin(2 + static_cast<size_t>(key_len) + 2 + static_cast<size_t>(cert_len));
    if (result.ok()) result = write_entry(sink, key_der.data() + key_der.size() - key_len, static_cast<size_t>(key_len));
    if (result.ok()) result = write_entry(sink, cert_der.data() + cert_der.size() - cert_len, static_cast<size_t>(cert_len));
    if (result.ok()) length = sink.length();
  } while (false);
  mbedtls_x509write_crt_free(&crt);
  mbedtls_pk_free(&key);
  return result;
}

Status parse_pem_identity(std::string_view pem, RecordSink& sink, TextBuffer& error) {
  // The identity lives from start to end, the work on it within this call: the
  // shared pool, whoever calls (net/tls_memory.h).
  TlsPoolScope shared(TlsPool::kShared);
  if (!tls_crypto_init()) {
    error.append("no crypto");
    return StatusCode::kUnavailable;
  }
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  size_t cert_count = 0, key_count = 0;
  Status result = StatusCode::kInvalidArgument;
  static constexpr std::string_view kBegin = "-----BEGIN ";
  static constexpr std::string_view kEnd = "-----END ";
  size_t at = 0;
  bool failed = false;
  while (!failed) {
    size_t begin = pem.find(kBegin, at);
    if (begin == std::string_view::npos) break;
    size_t label_end = pem.find("-----", begin + kBegin.size());
    if (label_end == std::string_view::npos) {
      error.append("a PEM block is cut short");
      failed = true;
      break;
    }
    std::string_view label(pem.data() + begin + kBegin.size(), label_end - begin - kBegin.size());
    size_t end = pem.find(kEnd, label_end);
    size_t close = end == std::string_view::npos ? end : pem.find("-----", end + kEnd.size());
    if (close == std::string_view::npos) {
      error.append("a PEM block has no END line");
      failed = true;
      break;
    }
    close += 5;
    // mbedTLS wants PEM NUL-terminated, the NUL counted: a copy in the arena.
    size_t n = close - begin;
    ArenaBuffer block(n + 1);
    if (!block.ok()) {
      error.append("the box has no memory for this upload now; retry");
      result = StatusCode::kResourceExhausted;
      failed = true;
      break;
    }
    std::memcpy(block.data(), pem.data() + begin, n);
    block.data()[n] = 0;
    at = close;
    if (label == "CERTIFICATE") {
      if (cert_count == kTlsIdentityMaxCerts) {
        error.appendf("more than %u certificates", static_cast<unsigned>(kTlsIdentityMaxCerts));
        failed = true;
      } else if (const uint32_t refused = tls_allocation_failures(); mbedtls_x509_crt_parse(&chain, block.data(), n + 1) != 0) {
        if (tls_allocation_failures() != refused) {
          error.appendf("certificate %u is too large for the box's memory", static_cast<unsigned>(cert_count + 1));
        } else {
          error.appendf("certificate %u does not parse", static_cast<unsigned>(cert_count + 1));
        }
        failed = true;
      }
      ++cert_count;
    } else if (label == "PRIVATE KEY" || label == "EC PRIVATE KEY" || label == "RSA PRIVATE KEY") {
      if (++key_count > 1) {
        error.append("more than one private key");
        failed = true;
      } else if (const uint32_t refused = tls_allocation_failures();
                 mbedtls_pk_parse_key(&key, block.data(), n + 1, nullptr, 0, mbedtls_psa_get_random,
                                      MBEDTLS_PSA_RANDOM_STATE) != 0) {
        if (tls_allocation_failures() != refused) {
          // mbedTLS names a key it had no room for as one that does not parse.
          error.append("the private key is too large for this box's memory; use EC P-256 or P-384");
        } else {
          error.append("the private key does not parse (an encrypted key is not accepted)");
        }
        failed = true;
      }
    } else {
      error.appendf("unexpected PEM block %.*s", static_cast<int>(label.size() > 40 ? 40 : label.size()), label.data());
      failed = true;
    }
  }
  do {
    if (failed) break;
    if (cert_count == 0) {
      error.append("no certificate");
      break;
    }
    if (key_count == 0) {
      error.append("no private key");
      break;
    }
    if (!server_key_acceptable(key)) {
      const bool rsa = mbedtls_pk_get_type(&key) == MBEDTLS_PK_RSA;
      if (rsa && PROBEBOX_TLS_SERVER_RSA_MAX_BITS == 0) {
        error.append("this box takes EC keys only (P-256 or P-384): an RSA signature in every HTTPS handshake "
                     "would hold its processor for about half a second, and the key more memory than it has");
      } else if (rsa && mbedtls_pk_get_bitlen(&key) > PROBEBOX_TLS_SERVER_RSA_MAX_BITS) {
        // Every HTTPS handshake signs with it, and nothing else runs meanwhile.
        error.appendf("an RSA key of %u bits is too slow for this box's processor (every HTTPS connection "
                      "signs with it); use EC P-256 or RSA of up to %u bits",
                      static_cast<unsigned>(mbedtls_pk_get_bitlen(&key)),
                      static_cast<unsigned>(PROBEBOX_TLS_SERVER_RSA_MAX_BITS));
      } else if (PROBEBOX_TLS_SERVER_RSA_MAX_BITS == 0) {
        error.append("the key must be EC P-256 or P-384");
      } else {
        error.appendf("the key must be EC P-256 or P-384, or RSA of 2048 to %u bits",
                      static_cast<unsigned>(PROBEBOX_TLS_SERVER_RSA_MAX_BITS));
      }
      break;
    }
    if (mbedtls_pk_check_pair(&chain.pk, &key, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0) {
      error.append("the private key does not match the (first) certificate");
      break;
    }
    ArenaBuffer key_der(kKeyDerBytes);
    int key_len = key_der.ok() ? mbedtls_pk_write_key_der(&key, key_der.data(), key_der.size()) : -1;
    if (key_len <= 0) {
      error.append("the private key cannot be stored");
      break;
    }
    size_t length = 2 + static_cast<size_t>(key_len);
    for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->raw.p != nullptr; c = c->next) length += 2 + c->raw.len;
    if (const size_t message = certificate_message_bytes(chain); message > kCertificateMessageMax) {
      // mbedTLS sends the Certificate message in one record of its output buffer:
      // a larger chain would be stored and then fail every handshake.
      error.appendf("the certificates take %u bytes in a TLS Certificate message; this box sends at most %u "
                    "(leave out the root, or use a shorter chain or an EC key)",
                    static_cast<unsigned>(message), static_cast<unsigned>(kCertificateMessageMax));
      break;
    }
    if (length > kTlsIdentityRecordBytes) {
      error.appendf("certificates and key larger than the box keeps (%u bytes)",
                    static_cast<unsigned>(kTlsIdentityRecordBytes));
      break;
    }
    Status written = sink.begin(length);
    if (written.ok()) written = write_entry(sink, key_der.data() + key_der.size() - key_len, static_cast<size_t>(key_len));
    for (const mbedtls_x509_crt* c = &chain; written.ok() && c != nullptr && c->raw.p != nullptr; c = c->next) {
      written = write_entry(sink, c->raw.p, c->raw.len);
    }
    if (!written.ok()) {
      error.append("the certificate could not be stored in flash");
      result = StatusCode::kInternal;
      break;
    }
    result = Status();
  } while (false);
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&chain);
  return result;
}

void TlsServerIdentity::reset() {
  if (!ready_) return;
  mbedtls_ssl_config_free(&conf_);
  mbedtls_pk_free(&key_);
  mbedtls_x509_crt_free(&chain_);
  fingerprint_.clear();
  spki_pin_.clear();
  ready_ = false;
}

Status TlsServerIdentity::load(std::span<const uint8_t> record) {
  // The identity lives from start to end, the work on it within this call: the
  // shared pool, whoever calls (net/tls_memory.h).
  TlsPoolScope shared(TlsPool::kShared);
  reset();
  if (!tls_crypto_init()) return StatusCode::kUnavailable;
  TlsIdentityParts parts;
  if (Status s = split_identity_record(record, parts); !s.ok()) return s;
  mbedtls_x509_crt_init(&chain_);
  mbedtls_pk_init(&key_);
  mbedtls_ssl_config_init(&conf_);
  ready_ = true;  // reset() now frees what was initialised
  bool ok = mbedtls_pk_parse_key(&key_, parts.key.data(), parts.key.size(), nullptr, 0, mbedtls_psa_get_random,
                                 MBEDTLS_PSA_RANDOM_STATE) == 0;
  for (size_t i = 0; ok && i < parts.cert_count; ++i) {
    ok = mbedtls_x509_crt_parse_der(&chain_, parts.certs[i].data(), parts.certs[i].size()) == 0;
  }
  ok = ok && mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT) == 0;
  if (ok) {
    mbedtls_ssl_conf_rng(&conf_, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    mbedtls_ssl_conf_min_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_3);
    // X25519 first: a TLS 1.2 client gets the group the server prefers among its own,
    // and X25519 (Everest's HACL*, net/x25519_base.c) costs the Cortex-M4 a handshake
    // of 16.5 M instructions where P-256 takes 27 M (docs/performance.md, stop 56). In
    // TLS 1.3 the client's key share decides, as before.
    static const uint16_t kGroups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                       MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
    mbedtls_ssl_conf_groups(&conf_, kGroups);
    ok = mbedtls_ssl_conf_own_cert(&conf_, &chain_, &key_) == 0;
  }
  ok = ok && net::spki_pin(chain_, spki_pin_).ok();
  ok = ok && warm_rsa_key(key_);
  if (!ok) {
    reset();
    return StatusCode::kInvalidArgument;
  }
  format_fingerprint({chain_.raw.p, chain_.raw.len}, fingerprint_);
  return Status();
}

}  // namespace probebox::net
