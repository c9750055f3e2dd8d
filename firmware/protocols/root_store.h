// The public roots the box trusts beyond trust_anchors_pem (spec/config.md,
// `defaults.public_roots`): a table in flash holding of each root only what
// verification needs — its subject and its public key (both the certificate's own
// DER) and its notAfter — generated at build time from Debian's ca-certificates
// (cmake/gen_public_roots.py). mbedTLS verifies against it through its trusted-CA
// callback: for the issuer a certificate names, find_roots() binary-searches the
// subjects and root_candidates() builds a minimal certificate per match (version 1,
// the subject and the key: nothing else of a trusted root is read) in a bounded
// buffer and hands it to mbedTLS to parse (the TLS arena, freed by mbedTLS when the
// verification ends).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "mbedtls/x509_crt.h"

namespace probebox::x509 {

struct RootEntry {
  uint32_t offset;       // into RootTable::blob: the subject DER, then the key DER
  uint16_t subject_len;
  uint16_t key_len;      // SubjectPublicKeyInfo
  uint32_t not_after;    // Unix seconds
};

struct RootTable {
  const RootEntry* entries = nullptr;  // sorted by subject: shorter first, then bytewise
  uint16_t count = 0;
  const uint8_t* blob = nullptr;
  uint32_t blob_size = 0;
  const char* source = "";             // where the set comes from (its Debian version)
};

// The table the build generated (Debian's ca-certificates, pinned by scripts/setup).
extern const RootTable kBuiltInRoots;

// The entries whose subject is exactly `subject` (DER): empty when none. An entry
// that points outside the blob is never returned.
std::span<const RootEntry> find_roots(const RootTable& table, std::span<const uint8_t> subject);
std::span<const uint8_t> root_subject(const RootTable& table, const RootEntry& e);
std::span<const uint8_t> root_key(const RootTable& table, const RootEntry& e);

// The minimal certificate for a root: version 1 (a locally trusted v1 root needs no
// CA extension in mbedTLS), issuer and subject `subject`, key `key`, a placeholder
// signature (a trust anchor's own signature is never checked). Its length, or 0
// when it does not fit `out`.
inline constexpr size_t kMaxRootCertDer = 2048;  // cmake/gen_public_roots.py checks every root fits
size_t build_root_cert(std::span<const uint8_t> subject, std::span<const uint8_t> key, std::span<uint8_t> out);

// The context of root_candidates(): the table, and the box's time to leave out a
// root past its notAfter (not when the clock is unknown).
struct RootLookup {
  const RootTable* table = nullptr;
  bool now_valid = false;
  int64_t now_s = 0;
};

// mbedtls_x509_crt_ca_cb_t over a RootLookup: *candidates gets a list (allocated
// with mbedtls_calloc, freed by mbedTLS) of the roots named by child's issuer, or
// null. 0, or -1 when out of memory (mbedTLS then fails the verification).
int root_candidates(void* lookup, const mbedtls_x509_crt* child, mbedtls_x509_crt** candidates);

}  // namespace probebox::x509
