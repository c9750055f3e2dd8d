#include "protocols/root_store.h"

#include <algorithm>
#include <cstring>

#include "mbedtls/platform.h"

namespace probebox::x509 {
namespace {

bool entry_ok(const RootTable& t, const RootEntry& e) {
  return uint64_t{e.key_offset} + e.key_len <= t.blob_size && e.key_form < t.form_count && t.forms != nullptr;
}

size_t header_size(size_t len) { return len < 0x80 ? 2 : len < 0x100 ? 3 : 4; }

// Writes a DER tag and length; the length is below 64 KiB (kMaxRootCertDer).
uint8_t* put_header(uint8_t* p, uint8_t tag, size_t len) {
  *p++ = tag;
  if (len < 0x80) {
    *p++ = static_cast<uint8_t>(len);
  } else if (len < 0x100) {
    *p++ = 0x81;
    *p++ = static_cast<uint8_t>(len);
  } else {
    *p++ = 0x82;
    *p++ = static_cast<uint8_t>(len >> 8);
    *p++ = static_cast<uint8_t>(len);
  }
  return p;
}

uint8_t* put(uint8_t* p, std::span<const uint8_t> bytes) {
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

// serialNumber 1; sha256WithRSAEncryption (only named: never checked); validity from
// 1970 to 9999 (the table's notAfter is applied by the lookup, mbedTLS here has no
// calendar); a BIT STRING of one zero byte as the signature.
constexpr uint8_t kSerial[] = {0x02, 0x01, 0x01};
constexpr uint8_t kAlg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
constexpr uint8_t kValidity[] = {0x30, 0x20, 0x17, 0x0d, '7', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z',
                                 0x18, 0x0f, '9', '9', '9', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z'};
constexpr uint8_t kSignature[] = {0x03, 0x02, 0x00, 0x00};

}  // namespace

uint32_t subject_hash(std::span<const uint8_t> subject) {
  uint32_t h = 2166136261u;
  for (uint8_t b : subject) {
    h ^= b;
    h *= 16777619u;
  }
  return h;
}

std::span<const RootEntry> find_roots(const RootTable& t, std::span<const uint8_t> subject) {
  if (t.entries == nullptr || t.count == 0 || subject.empty()) return {};
  uint32_t h = subject_hash(subject);
  const RootEntry* begin = t.entries;
  const RootEntry* end = t.entries + t.count;
  const RootEntry* lo =
      std::lower_bound(begin, end, h, [](const RootEntry& e, uint32_t v) { return e.subject_hash < v; });
  const RootEntry* hi = lo;
  while (hi != end && hi->subject_hash == h) ++hi;
  return {lo, static_cast<size_t>(hi - lo)};
}

size_t root_key_size(const RootTable& t, const RootEntry& e) {
  if (!entry_ok(t, e)) return 0;
  const RootKeyForm& f = t.forms[e.key_form];
  return size_t{f.prefix_len} + e.key_len + f.suffix_len;
}

std::span<const uint8_t> root_key(const RootTable& t, const RootEntry& e, std::span<uint8_t> out) {
  if (!entry_ok(t, e)) return {};
  const RootKeyForm& f = t.forms[e.key_form];
  size_t n = root_key_size(t, e);
  if (n > out.size() || (f.prefix_len > 0 && f.prefix == nullptr) || (f.suffix_len > 0 && f.suffix == nullptr)) {
    return {};
  }
  uint8_t* p = out.data();
  p = put(p, {f.prefix, f.prefix_len});
  p = put(p, {t.blob + e.key_offset, e.key_len});
  put(p, {f.suffix, f.suffix_len});
  return out.first(n);
}

size_t root_cert_size(size_t subject_len, size_t key_len) {
  size_t tbs_body = sizeof(kSerial) + sizeof(kAlg) + 2 * subject_len + sizeof(kValidity) + key_len;
  size_t tbs = header_size(tbs_body) + tbs_body;
  size_t cert_body = tbs + sizeof(kAlg) + sizeof(kSignature);
  return header_size(cert_body) + cert_body;
}

size_t build_root_cert(std::span<const uint8_t> subject, std::span<const uint8_t> key, std::span<uint8_t> out) {
  if (subject.empty() || key.empty()) return 0;
  size_t tbs_body = sizeof(kSerial) + sizeof(kAlg) + 2 * subject.size() + sizeof(kValidity) + key.size();
  size_t cert_body = header_size(tbs_body) + tbs_body + sizeof(kAlg) + sizeof(kSignature);
  size_t total = root_cert_size(subject.size(), key.size());
  if (total > out.size() || total > 0xFFFF) return 0;
  uint8_t* p = out.data();
  p = put_header(p, 0x30, cert_body);
  p = put_header(p, 0x30, tbs_body);
  p = put(p, kSerial);
  p = put(p, kAlg);
  p = put(p, subject);  // issuer
  p = put(p, kValidity);
  p = put(p, subject);
  p = put(p, key);
  p = put(p, kAlg);
  p = put(p, kSignature);
  return static_cast<size_t>(p - out.data());
}

int root_candidates(void* ctx, const mbedtls_x509_crt* child, mbedtls_x509_crt** candidates) {
  *candidates = nullptr;
  const auto* lookup = static_cast<const RootLookup*>(ctx);
  if (lookup == nullptr || lookup->table == nullptr || child == nullptr) return 0;
  const RootTable& t = *lookup->table;
  // The subject of a matching root is the issuer's own bytes (the hash matched them).
  std::span<const uint8_t> subject{child->issuer_raw.p, child->issuer_raw.len};
  std::span<const RootEntry> found = find_roots(t, subject);
  mbedtls_x509_crt* list = nullptr;
  for (const RootEntry& e : found) {
    if (lookup->now_valid && static_cast<int64_t>(e.not_after) < lookup->now_s) continue;  // expired
    // The key and the certificate are built in one block of exactly their size, from
    // the session's pool, and freed once the parser has its copy: no static buffer
    // for a lookup that runs a few times a cycle.
    const size_t key_n = root_key_size(t, e);
    if (key_n == 0 || key_n > kMaxRootKeyDer) continue;
    const size_t der_n = root_cert_size(subject.size(), key_n);
    if (list == nullptr) {
      list = static_cast<mbedtls_x509_crt*>(mbedtls_calloc(1, sizeof(mbedtls_x509_crt)));
      if (list == nullptr) return -1;
      mbedtls_x509_crt_init(list);
    }
    auto* scratch = static_cast<uint8_t*>(mbedtls_calloc(1, key_n + der_n));
    if (scratch == nullptr) {
      mbedtls_x509_crt_free(list);
      mbedtls_free(list);
      return -1;
    }
    std::span<uint8_t> der{scratch + key_n, der_n};
    size_t n = build_root_cert(subject, root_key(t, e, {scratch, key_n}), der);
    if (n == 0) {
      mbedtls_free(scratch);
      continue;
    }
    // A root the parser refuses (a key type this build lacks) is simply no candidate;
    // out of memory fails the verification rather than report "not trusted".
    int rc = mbedtls_x509_crt_parse_der(list, der.data(), n);
    mbedtls_free(scratch);
    if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED) {
      mbedtls_x509_crt_free(list);
      mbedtls_free(list);
      return -1;
    }
  }
  if (list != nullptr && list->raw.p == nullptr) {  // every match refused
    mbedtls_x509_crt_free(list);
    mbedtls_free(list);
    list = nullptr;
  }
  *candidates = list;
  return 0;
}

}  // namespace probebox::x509
