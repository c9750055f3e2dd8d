#include "protocols/x509_summary.h"

#include <algorithm>

#include "core/view.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "core/civil_time.h"

namespace probebox::x509 {
namespace {

int64_t to_unix(const mbedtls_x509_time& t) {
  int64_t y = t.year, m = t.mon, d = t.day;
  int64_t yy = m <= 2 ? y - 1 : y;
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return days * 86400 + t.hour * 3600 + t.min * 60 + t.sec;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void dn_text(const mbedtls_x509_name& dn, TextBuffer& out) {
  char buf[256];
  int n = mbedtls_x509_dn_gets(buf, sizeof(buf), &dn);
  out.assign(n > 0 ? std::string_view(buf, static_cast<size_t>(n)) : std::string_view("?"));
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
  // Named as OpenSSL names them: "sha256WithRSAEncryption", "ecdsa-with-SHA256".
  // 3.x makes sig_md/sig_pk private; the public route is the signature OID.
  mbedtls_md_type_t sig_md = MBEDTLS_MD_NONE;
  mbedtls_pk_type_t sig_pk = MBEDTLS_PK_NONE;
  if (mbedtls_oid_get_sig_alg(&c.sig_oid, &sig_md, &sig_pk) != 0) {
    sig_md = MBEDTLS_MD_NONE;
    sig_pk = MBEDTLS_PK_NONE;
  }
  // RSASSA-PSS names its hash in the parameters, not the OID; the parsed value has no
  // public accessor in 3.x.
  if (sig_pk == MBEDTLS_PK_RSASSA_PSS) sig_md = c.MBEDTLS_PRIVATE(sig_md);
  const char* md = md_name(sig_md);
  if (sig_pk == MBEDTLS_PK_RSA) {
    for (const char* k = md; *k != '\0'; ++k) s.sig_alg.append(lower(*k));
    s.sig_alg.append("WithRSAEncryption");
  } else if (sig_pk == MBEDTLS_PK_ECDSA) {
    s.sig_alg.appendf("ecdsa-with-%s", md);
  } else if (sig_pk == MBEDTLS_PK_RSASSA_PSS) {
    s.sig_alg.appendf("rsassaPss-%s", md);
  } else {
    s.sig_alg.assign("other");
  }
  s.sha1_signature = sig_md == MBEDTLS_MD_SHA1 || sig_md == MBEDTLS_MD_MD5;
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
  if (first(pattern, 2) != "*.") return iequals(name, pattern);
  std::string_view suffix = after(pattern, 2);
  // At least two labels under the wildcard: "*.test" must not cover every .test name.
  if (suffix.find('.') == std::string_view::npos || suffix.find('*') != std::string_view::npos) return false;
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return iequals(after(name, dot + 1), suffix);
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
bool same_raw(const mbedtls_x509_buf& a, const mbedtls_x509_buf& b) {
  return a.len == b.len && std::equal(a.p, a.p + a.len, b.p);
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
  if (sent == nullptr) return v;
  const mbedtls_x509_crt* last = sent;
  while (last->next != nullptr && last->next->raw.p != nullptr) last = last->next;
  bool self_issued = same_raw(last->issuer_raw, last->subject_raw);
  bool issued_by_anchor = false;
  for (const mbedtls_x509_crt* a = anchors; a != nullptr && a->raw.p != nullptr; a = a->next) {
    issued_by_anchor |= same_raw(last->issuer_raw, a->subject_raw);
  }
  bool issued_by_public = public_roots != nullptr && public_roots->table != nullptr &&
                          !find_roots(*public_roots->table, {last->issuer_raw.p, last->issuer_raw.len}).empty();
  v.complete = self_issued || issued_by_anchor || issued_by_public;
  if (anchors != nullptr) {
    v.flags = handshake_flags & ~kJudgedElsewhere;
    v.trusted = v.flags == 0 ? Trust::kYes : Trust::kNo;
    v.trusted_by = v.flags == 0 ? TrustSet::kAnchors : TrustSet::kNone;
    if (v.flags == 0 || public_roots == nullptr) return v;
  }
  if (public_roots != nullptr) {
    // mbedTLS's own verification, its trusted CAs the flash table's roots named by
    // each issuer (root_candidates builds them on demand, in the TLS arena).
    uint32_t flags = 0;
    int rc = mbedtls_x509_crt_verify_with_ca_cb(const_cast<mbedtls_x509_crt*>(sent), root_candidates,
                                                const_cast<RootLookup*>(public_roots),
                                                &mbedtls_x509_crt_profile_default, nullptr, &flags, nullptr,
                                                nullptr);
    flags &= ~kJudgedElsewhere;
    // CERT_VERIFY_FAILED only says some flag is set (maybe one judged elsewhere);
    // any other error is a verification that did not finish.
    bool finished = rc == 0 || rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
    if (finished && flags == 0) {
      v.flags = 0;
      v.trusted = Trust::kYes;
      v.trusted_by = TrustSet::kPublic;
      return v;
    }
    // Out of memory or a failed lookup is "not verified" too, never trusted.
    if (anchors == nullptr) v.flags = flags != 0 ? flags : MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    v.trusted = Trust::kNo;
    return v;
  }
  v.trusted = Trust::kNotJudged;
  if (!v.complete) {
    v.flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    return v;
  }
  uint32_t flags = 0;
  // The tail of the sent list is itself a one-element list: the only anchor.
  mbedtls_x509_crt_verify(const_cast<mbedtls_x509_crt*>(sent), const_cast<mbedtls_x509_crt*>(last), nullptr,
                          nullptr, &flags, nullptr, nullptr);
  v.flags = flags & ~kJudgedElsewhere;
  v.complete = (v.flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0;
  return v;
}

void judge_peer(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, bool now_valid, int64_t now, PeerVerdict& v, const RootLookup* public_roots) {
  v = PeerVerdict{};
  if (sent == nullptr || sent->raw.p == nullptr) return;
  CertSummary s;  // as tls_cert's judge does: on the stack, only for this judgement
  summarize(*sent, s);
  v.subject.assign(s.subject.view());
  v.trusted = judge_chain(sent, anchors, handshake_flags, public_roots).trusted == Trust::kYes;
  v.name_ok = !name.empty() && covered_by_sans(name, s);
  v.dated = now_valid;
  v.days_left = now_valid ? days_left(s.not_after, now) : 0;
  if (!v.trusted) v.fault = PeerVerdict::Fault::kUntrusted;
  else if (name.empty()) v.fault = PeerVerdict::Fault::kNoName;
  else if (!v.name_ok) v.fault = PeerVerdict::Fault::kWrongName;
  else if (now_valid && now < s.not_before) v.fault = PeerVerdict::Fault::kNotYetValid;
  else if (now_valid && v.days_left < 0) v.fault = PeerVerdict::Fault::kExpired;
  else v.fault = PeerVerdict::Fault::kNone;
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
