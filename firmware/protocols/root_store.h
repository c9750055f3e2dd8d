// The public roots the box trusts beyond trust_anchors_pem (spec/config.md,
// `defaults.public_roots`): a table in flash generated at build time from Debian's
// ca-certificates (cmake/gen_public_roots.py) that holds of each root only what
// verification needs, compactly:
// - not its subject but a 32-bit hash of it (FNV-1a of the DER): a certificate's
//   issuer field is looked up by its hash, and the matching root's subject is then
//   the issuer's own bytes. A hash collision only offers mbedTLS a root whose key
//   does not verify the signature: trust still rests on the signature alone;
// - its SubjectPublicKeyInfo as the key's own bytes (RSA modulus, EC point) between
//   a prefix and a suffix shared by every key of its form (algorithm, size and
//   exponent: a few forms for the whole set), rebuilt to the original DER on demand;
// - its notAfter (a root past it is no candidate once the clock is set).
// mbedTLS verifies against it through its trusted-CA callback: root_candidates()
// builds, per match, a minimal certificate (version 1, the subject and the key:
// nothing else of a trusted root is read) in a bounded buffer, which mbedTLS parses
// into the TLS arena and frees when the verification ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "mbedtls/x509_crt.h"

namespace probebox::x509 {

// The DER every key of a form starts and ends with; form 0 is "verbatim" (no
// prefix, no suffix: the whole SubjectPublicKeyInfo is the key's bytes).
struct RootKeyForm {
  const uint8_t* prefix = nullptr;
  uint16_t prefix_len = 0;
  const uint8_t* suffix = nullptr;
  uint16_t suffix_len = 0;
};

struct RootEntry {
  uint32_t subject_hash;  // subject_hash() of the subject DER
  uint32_t not_after;     // Unix seconds
  uint32_t key_offset;    // into RootTable::blob
  uint16_t key_len;
  uint8_t key_form;       // index into RootTable::forms
  uint8_t reserved;
};

struct RootTable {
  const RootEntry* entries = nullptr;  // sorted by subject_hash
  uint16_t count = 0;
  const uint8_t* blob = nullptr;       // the keys' own bytes
  uint32_t blob_size = 0;
  const RootKeyForm* forms = nullptr;
  uint8_t form_count = 0;
  const char* source = "";             // where the set comes from (its Debian version)
};

// The table the build generated (Debian's ca-certificates, pinned by scripts/setup).
extern const RootTable kBuiltInRoots;

// FNV-1a, 32 bits (the generator computes the same).
uint32_t subject_hash(std::span<const uint8_t> subject_der);

// The entries whose subject hash is that of `subject` (DER): empty when none.
std::span<const RootEntry> find_roots(const RootTable& table, std::span<const uint8_t> subject);

// The root's SubjectPublicKeyInfo DER, rebuilt into `out`; empty when the entry
// points outside the table or does not fit.
inline constexpr size_t kMaxRootKeyDer = 1100;  // an RSA 8192 key; the generator checks
std::span<const uint8_t> root_key(const RootTable& table, const RootEntry& e, std::span<uint8_t> out);
// The length root_key() writes for `e`; 0 when the entry points outside the table.
size_t root_key_size(const RootTable& table, const RootEntry& e);

// The minimal certificate for a root: version 1 (a locally trusted v1 root needs no
// CA extension in mbedTLS), issuer and subject `subject`, key `key`, a placeholder
// signature (a trust anchor's own signature is never checked). Its length, or 0
// when it does not fit `out`.
inline constexpr size_t kMaxRootCertDer = 2048;
size_t build_root_cert(std::span<const uint8_t> subject, std::span<const uint8_t> key, std::span<uint8_t> out);
// The length build_root_cert() writes for a subject and a key of these lengths.
size_t root_cert_size(size_t subject_len, size_t key_len);

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
