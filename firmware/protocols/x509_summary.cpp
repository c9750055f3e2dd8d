#include "protocols/x509_summary.h"

#include <algorithm>
#include <cstring>

#include "core/ascii.h"
#include "core/limits.h"
#include "core/view.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "core/civil_time.h"

namespace probebox::x509 {
namespace {

// mbedTLS has checked the fields' ranges when it parsed the certificate.
int64_t to_unix(const mbedtls_x509_time& t) {
  return unix_seconds_from_civil(t.year, t.mon, t.day, t.hour, t.min, t.sec);
}

void dn_text(const mbedtls_x509_name& dn, TextBuffer& out) {
  char buf[256];
  int n = mbedtls_x509_dn_gets(buf, sizeof(buf), &dn);
  // A certificate without a subject (or one mbedTLS cannot print) has an empty one,
  // not a placeholder a reader could take for a name.
  out.assign(n > 0 ? std::string_view(buf, static_cast<size_t>(n)) : std::string_view());
}

const char* md_name(mbedtls_md_type_t md) {
  switch (md) {
    case MBEDTLS_MD_SHA1: return "SHA1";
    case MBEDTLS_MD_SHA224: return "SHA224";
    case MBEDTLS_MD_SHA256: return "SHA256";
    case MBEDTLS_MD_SHA384: return "SHA384";
    case MBEDTLS_MD_SHA512: return "SHA512";
    case MBEDTLS_MD_MD5: return "MD5";
    default: return "?";
  }
}

// The hash of a certificate's signature and its algorithm. 3.x makes sig_md/sig_pk
// private; the public route is the signature OID.
mbedtls_md_type_t sig_md_of(const mbedtls_x509_crt& c, mbedtls_pk_type_t& sig_pk) {
  mbedtls_md_type_t sig_md = MBEDTLS_MD_NONE;
  sig_pk = MBEDTLS_PK_NONE;
  if (mbedtls_oid_get_sig_alg(&c.sig_oid, &sig_md, &sig_pk) != 0) {
    sig_pk = MBEDTLS_PK_NONE;
    return MBEDTLS_MD_NONE;
  }
  // RSASSA-PSS names its hash in the parameters, not the OID; the parsed value has no
  // public accessor in 3.x.
  if (sig_pk == MBEDTLS_PK_RSASSA_PSS) sig_md = c.MBEDTLS_PRIVATE(sig_md);
  return sig_md;
}

bool weak_md(mbedtls_md_type_t md) { return md == MBEDTLS_MD_SHA1 || md == MBEDTLS_MD_MD5; }

// Named as OpenSSL names them: "sha256WithRSAEncryption", "ecdsa-with-SHA256".
// True when the hash is SHA-1 or MD5.
bool sig_alg_name(const mbedtls_x509_crt& c, TextBuffer& out) {
  mbedtls_pk_type_t sig_pk = MBEDTLS_PK_NONE;
  mbedtls_md_type_t sig_md = sig_md_of(c, sig_pk);
  const char* md = md_name(sig_md);
  if (sig_pk == MBEDTLS_PK_RSA) {
    for (const char* k = md; *k != '\0'; ++k) out.append(ascii_lower(*k));
    out.append("WithRSAEncryption");
  } else if (sig_pk == MBEDTLS_PK_ECDSA) {
    out.appendf("ecdsa-with-%s", md);
  } else if (sig_pk == MBEDTLS_PK_RSASSA_PSS) {
    out.appendf("rsassaPss-%s", md);
  } else {
    out.assign("other");
  }
  return weak_md(sig_md);
}

bool same_raw(const mbedtls_x509_buf& a, const mbedtls_x509_buf& b) {
  return a.len == b.len && std::equal(a.p, a.p + a.len, b.p);
}

bool self_issued(const mbedtls_x509_crt& c) { return same_raw(c.issuer_raw, c.subject_raw); }

// What a finding calls a certificate: its CN, else its place in the sent list.
void cert_label(const mbedtls_x509_crt& c, int index, TextBuffer& out) {
  out.clear();
  for (const mbedtls_x509_name* n = &c.subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 && n->val.len > 0) {
      out.append(std::string_view(reinterpret_cast<const char*>(n->val.p), n->val.len));
      return;
    }
  }
  out.appendf("certificate %d", index + 1);
}

}  // namespace

void append_iso8601(TextBuffer& out, int64_t unix_seconds) { probebox::append_iso8601(out, unix_seconds); }

void summarize(const mbedtls_x509_crt& c, CertSummary& s) {
  s = CertSummary{};
  dn_text(c.subject, s.subject);
  dn_text(c.issuer, s.issuer);
  s.not_before = to_unix(c.valid_from);
  s.not_after = to_unix(c.valid_to);
  for (const mbedtls_x509_sequence* san = &c.subject_alt_names; san != nullptr && san->buf.p != nullptr;
       san = san->next) {
    // dNSName entries only ([2] IA5String); IP addresses and others are not names.
    if (san->buf.tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME)) continue;
    if (s.san_count == kMaxSans) {
      s.sans_truncated = true;
      break;
    }
    if (s.san_count > 0) s.sans.append('\n');
    s.sans.append(std::string_view(reinterpret_cast<const char*>(san->buf.p), san->buf.len));
    ++s.san_count;
  }
  s.sans_truncated |= s.sans.overflowed();
  mbedtls_pk_type_t pk = mbedtls_pk_get_type(&c.pk);
  s.key_type.assign(pk == MBEDTLS_PK_RSA ? "RSA" : (pk == MBEDTLS_PK_ECKEY || pk == MBEDTLS_PK_ECDSA) ? "EC" : "other");
  s.key_bits = static_cast<uint32_t>(mbedtls_pk_get_bitlen(&c.pk));
  s.sha1_signature = sig_alg_name(c, s.sig_alg);
  unsigned char digest[32];
  mbedtls_sha256(c.raw.p, c.raw.len, digest, 0);
  for (unsigned char b : digest) s.sha256.appendf("%02x", b);
}

int32_t days_left(int64_t not_after, int64_t now) {
  int64_t diff = not_after - now;
  int64_t days = diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400);
  return static_cast<int32_t>(days);
}

bool name_covered(std::string_view name, std::string_view pattern) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
  if (first(pattern, 2) != "*.") return equals_ignore_case(name, pattern);
  std::string_view suffix = after(pattern, 2);
  // At least two labels under the wildcard: "*.test" must not cover every .test name.
  if (suffix.find('.') == std::string_view::npos || suffix.find('*') != std::string_view::npos) return false;
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return equals_ignore_case(after(name, dot + 1), suffix);
}

bool covered_by_sans(std::string_view name, const CertSummary& s) {
  std::string_view rest = s.sans.view();
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (name_covered(name, first(rest, nl))) return true;
    rest = nl == std::string_view::npos ? std::string_view() : after(rest, nl + 1);
  }
  return false;
}

namespace {

// Verifies the certificates at `path` (indices into `certs`), leaf first, to
// `anchors` (or, with none, to the path's own last certificate): the flags mbedTLS
// reports. The copies point into the sent DER (no copy of the bytes).
uint32_t verify_path(const mbedtls_x509_crt* const* certs, const uint8_t* path, size_t len,
                     const mbedtls_x509_crt* anchors, const RootLookup* public_roots = nullptr) {
  mbedtls_x509_crt ordered;
  mbedtls_x509_crt_init(&ordered);
  uint32_t flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  bool parsed = true;
  for (size_t i = 0; i < len && parsed; ++i) {
    const mbedtls_x509_crt* c = certs[path[i]];
    parsed = mbedtls_x509_crt_parse_der_nocopy(&ordered, c->raw.p, c->raw.len) == 0;
  }
  if (parsed) {
    mbedtls_x509_crt* trust = const_cast<mbedtls_x509_crt*>(anchors);
    if (trust == nullptr) {
      trust = &ordered;
      while (trust->next != nullptr) trust = trust->next;
    }
    flags = 0;
    // With public roots, mbedTLS's trusted CAs are the flash table's roots named by
    // each issuer (root_candidates builds them on demand, in the TLS arena).
    int rc = public_roots != nullptr
                 ? mbedtls_x509_crt_verify_with_ca_cb(&ordered, root_candidates, const_cast<RootLookup*>(public_roots),
                                                      &mbedtls_x509_crt_profile_default, nullptr, &flags, nullptr,
                                                      nullptr)
                 : mbedtls_x509_crt_verify(&ordered, trust, nullptr, nullptr, &flags, nullptr, nullptr);
    // Any error but "some flag is set" is a verification that did not finish (memory,
    // a failed lookup): not verified, never trusted.
    if (rc != 0 && (rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || flags == 0)) {
      flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    }
  }
  mbedtls_x509_crt_free(&ordered);
  return flags;
}

}  // namespace

const char* trust_set_name(TrustSet set) {
  switch (set) {
    case TrustSet::kAnchors: return "anchors";
    case TrustSet::kPublic: return "public";
    default: return nullptr;
  }
}

ChainVerdict judge_chain(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                         const RootLookup* public_roots) {
  ChainVerdict v;
  // Dates, names, the signature hash (SHA-1 is a warning) and the key size have rules
  // of their own; mbedTLS's default profile would fold them into "not trusted".
  constexpr uint32_t kJudgedElsewhere = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                                        MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_BAD_MD |
                                        MBEDTLS_X509_BADCERT_BAD_KEY;
  if (sent == nullptr || sent->raw.p == nullptr) return v;
  const mbedtls_x509_crt* certs[kMaxChainCerts];
  size_t n = 0;
  for (const mbedtls_x509_crt* c = sent; c != nullptr && c->raw.p != nullptr; c = c->next) {
    if (n < kMaxChainCerts) certs[n] = c;
    ++n;
    if (v.sent < 255) ++v.sent;
  }
  size_t held = n < kMaxChainCerts ? n : kMaxChainCerts;

  // Every certificate sent, one by one: dates and signature hashes.
  for (size_t i = 0; i < held; ++i) {
    const mbedtls_x509_crt& c = *certs[i];
    int64_t not_after = to_unix(c.valid_to);
    int64_t not_before = to_unix(c.valid_from);
    if (i == 0 || not_after < v.earliest_not_after) {
      v.earliest_not_after = not_after;
      v.earliest_index = static_cast<int8_t>(i);
    }
    if (i == 0 || not_before > v.latest_not_before) {
      v.latest_not_before = not_before;
      v.latest_start_index = static_cast<int8_t>(i);
    }
    if (v.long_exponent_name.empty() && mbedtls_pk_get_type(&c.pk) == MBEDTLS_PK_RSA) {
      mbedtls_mpi e;
      mbedtls_mpi_init(&e);
      if (mbedtls_rsa_export(mbedtls_pk_rsa(c.pk), nullptr, nullptr, nullptr, nullptr, &e) == 0 &&
          mbedtls_mpi_bitlen(&e) > PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS) {
        cert_label(c, static_cast<int>(i), v.long_exponent_name);
      }
      mbedtls_mpi_free(&e);
    }
    // A root's self-signature is not checked by anyone: its hash does not matter.
    if (!v.weak_sig && !(i > 0 && self_issued(c))) {
      FixedText<32> alg;
      if (sig_alg_name(c, alg)) {
        v.weak_sig = true;
        v.weak_alg.assign(alg.view());
        cert_label(c, static_cast<int>(i), v.weak_name);
      }
    }
  }
  cert_label(*certs[v.earliest_index], v.earliest_index, v.earliest_name);
  cert_label(*certs[v.latest_start_index], v.latest_start_index, v.latest_start_name);
  v.leaf_self_signed = self_issued(*certs[0]);

  // The path from the leaf: each certificate's issuer among those sent, wherever it is.
  uint8_t path[kMaxChainCerts];
  bool used[kMaxChainCerts] = {};
  size_t len = 0;
  size_t at = 0;
  path[len++] = 0;
  used[0] = true;
  while (!self_issued(*certs[at]) && len < held) {
    size_t next = held;
    // The next one first, so a chain in order stays the path even with duplicates.
    if (at + 1 < held && !used[at + 1] && same_raw(certs[at]->issuer_raw, certs[at + 1]->subject_raw)) next = at + 1;
    for (size_t j = 0; j < held && next == held; ++j) {
      if (!used[j] && same_raw(certs[at]->issuer_raw, certs[j]->subject_raw)) next = j;
    }
    if (next == held) break;
    path[len++] = static_cast<uint8_t>(next);
    used[next] = true;
    at = next;
  }
  const mbedtls_x509_crt& top = *certs[path[len - 1]];
  const mbedtls_x509_crt* issuing_anchor = nullptr;
  for (const mbedtls_x509_crt* a = anchors; a != nullptr && a->raw.p != nullptr && issuing_anchor == nullptr;
       a = a->next) {
    if (same_raw(top.issuer_raw, a->subject_raw)) issuing_anchor = a;
  }
  bool top_self_issued = self_issued(top);
  bool issued_by_public = public_roots != nullptr && public_roots->table != nullptr &&
                          !find_roots(*public_roots->table, {top.issuer_raw.p, top.issuer_raw.len}).empty();
  v.complete = top_self_issued || issuing_anchor != nullptr || issued_by_public;
  v.in_order = len == n;
  for (size_t i = 0; i < len && v.in_order; ++i) v.in_order = path[i] == i;

  if (anchors != nullptr) {
    // In order, the handshake's own verification stands; out of order, mbedTLS may
    // not have found an issuer sent before its subject: the path, leaf first.
    uint32_t flags = v.in_order || !v.complete ? handshake_flags : verify_path(certs, path, len, anchors);
    v.flags = flags & ~kJudgedElsewhere;
    v.trusted = v.flags == 0 ? Trust::kYes : Trust::kNo;
    v.trusted_by = v.flags == 0 ? TrustSet::kAnchors : TrustSet::kNone;
  }
  if (v.trusted != Trust::kYes && public_roots != nullptr) {
    // Not verified to the anchors (or none): the sent chain, leaf first, to the public roots.
    uint32_t flags = verify_path(certs, path, len, nullptr, public_roots) & ~kJudgedElsewhere;
    if (flags == 0) {
      v.flags = 0;
      v.trusted = Trust::kYes;
      v.trusted_by = TrustSet::kPublic;
    } else {
      if (anchors == nullptr) v.flags = flags;
      v.trusted = Trust::kNo;
    }
  } else if (anchors == nullptr) {
    v.trusted = Trust::kNotJudged;
    if (!v.complete) {
      v.flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
      return v;
    }
    uint32_t flags = 0;
    if (v.in_order) {
      // The tail of the sent list is itself a one-element list: the only anchor.
      mbedtls_x509_crt_verify(const_cast<mbedtls_x509_crt*>(sent), const_cast<mbedtls_x509_crt*>(&top), nullptr,
                              nullptr, &flags, nullptr, nullptr);
    } else {
      flags = verify_path(certs, path, len, nullptr);
    }
    v.flags = flags & ~kJudgedElsewhere;
    v.complete = (v.flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0;
  }
  if (v.trusted == Trust::kYes) {
    // blackbox_exporter's last chain expiry: the earliest notAfter of the verified
    // chain, the anchor included.
    v.verified_not_after = to_unix(certs[path[0]]->valid_to);
    for (size_t i = 1; i < len; ++i) v.verified_not_after = std::min(v.verified_not_after, to_unix(certs[path[i]]->valid_to));
    if (issuing_anchor != nullptr && !top_self_issued) {
      v.verified_not_after = std::min(v.verified_not_after, to_unix(issuing_anchor->valid_to));
    }
  }
  return v;
}

void peer_facts(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, PeerFacts& f, const RootLookup* public_roots) {
  f = PeerFacts{};
  if (sent == nullptr || sent->raw.p == nullptr) return;
  CertSummary s;  // as tls_cert's judge does: on the stack, only for this judgement
  summarize(*sent, s);
  f.present = true;
  f.subject.assign(s.subject.view());
  f.trusted = judge_chain(sent, anchors, handshake_flags, public_roots).trusted == Trust::kYes;
  f.name_ok = !name.empty() && covered_by_sans(name, s);
  f.not_before = s.not_before;
  f.not_after = s.not_after;
}

void judge_peer(const PeerFacts& f, std::string_view name, bool now_valid, int64_t now, PeerVerdict& v) {
  v = PeerVerdict{};
  if (!f.present) return;
  v.subject.assign(f.subject.view());
  v.trusted = f.trusted;
  v.name_ok = f.name_ok && !name.empty();
  v.dated = now_valid;
  v.days_left = now_valid ? days_left(f.not_after, now) : 0;
  if (!v.trusted) v.fault = PeerVerdict::Fault::kUntrusted;
  else if (name.empty()) v.fault = PeerVerdict::Fault::kNoName;
  else if (!v.name_ok) v.fault = PeerVerdict::Fault::kWrongName;
  else if (now_valid && now < f.not_before) v.fault = PeerVerdict::Fault::kNotYetValid;
  else if (now_valid && v.days_left < 0) v.fault = PeerVerdict::Fault::kExpired;
  else v.fault = PeerVerdict::Fault::kNone;
}

void judge_peer(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, bool now_valid, int64_t now, PeerVerdict& v, const RootLookup* public_roots) {
  PeerFacts facts;
  peer_facts(sent, anchors, handshake_flags, name, facts, public_roots);
  judge_peer(facts, name, now_valid, now, v);
}

void describe_fault(const PeerVerdict& v, std::string_view name, TextBuffer& out) {
  switch (v.fault) {
    case PeerVerdict::Fault::kNone: out.append("verified"); return;
    case PeerVerdict::Fault::kNoCertificate: out.append("no certificate"); return;
    case PeerVerdict::Fault::kUntrusted: out.append("not trusted"); return;
    case PeerVerdict::Fault::kNoName: out.append("no server_name to check"); return;
    case PeerVerdict::Fault::kWrongName:
      out.append("not for ");
      out.append(name);
      return;
    case PeerVerdict::Fault::kNotYetValid: out.append("not valid yet"); return;
    case PeerVerdict::Fault::kExpired: out.append("expired"); return;
  }
}

}  // namespace probebox::x509
