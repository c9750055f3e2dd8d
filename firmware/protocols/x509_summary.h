// The certificate facts a tls_cert check judges, taken from the chain the server
// sent (mbedTLS-parsed), and the pure rules that judge them (spec/checks.md):
// days left, names covered by the SAN (RFC 6125), chain completeness, key, hash.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/check_types.h"
#include "core/text.h"
#include "mbedtls/x509_crt.h"
#include "protocols/root_store.h"

namespace probebox::x509 {

inline constexpr size_t kMaxSans = 24;

struct CertSummary {
  FixedText<128> subject;
  FixedText<128> issuer;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  FixedText<1024> sans;    // dNSNames, '\n'-separated
  uint8_t san_count = 0;
  bool sans_truncated = false;
  FixedText<8> key_type;   // "RSA", "EC", "other"
  uint32_t key_bits = 0;
  FixedText<32> sig_alg;
  bool sha1_signature = false;
  FixedText<64> sha256;    // lower-case hex of the DER
};

enum class Trust : uint8_t { kNo, kYes, kNotJudged };  // kNotJudged: no anchors, no public roots
// Which set of trusted roots verified a chain (spec/checks.md `trusted_by`).
enum class TrustSet : uint8_t { kNone, kAnchors, kPublic };
// "anchors", "public", or null for kNone.
const char* trust_set_name(TrustSet set);

struct ChainVerdict {
  bool complete = false;
  Trust trusted = Trust::kNotJudged;
  TrustSet trusted_by = TrustSet::kNone;
  uint32_t flags = 0;
};

void summarize(const mbedtls_x509_crt& leaf, CertSummary& out);
// Whole days until not_after, rounded down (negative once expired).
int32_t days_left(int64_t not_after, int64_t now);
// RFC 6125: case-insensitive; a wildcard only as the whole left-most label, covering
// exactly one label, and never directly under a single-label suffix.
bool name_covered(std::string_view name, std::string_view pattern);
bool covered_by_sans(std::string_view name, const CertSummary& s);
// Complete: the sent chain reaches a self-issued certificate or one issued by a
// trust anchor or a public root (nothing is missing in between). Trusted: the
// handshake's verification to the anchors succeeded, or else (with `public_roots`)
// mbedTLS's verification of the sent chain to the public roots; dates, name, hash
// and key size masked (judged elsewhere); trusted_by says which. With neither set,
// kNotJudged, and a complete chain must also verify under its own self-issued root.
ChainVerdict judge_chain(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                         const RootLookup* public_roots = nullptr);
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

// What a client about to send credentials (smtp AUTH, http Basic) needs to know of
// the server's certificate, judged by the same rules as tls_cert: the chain verifies
// to the trust anchors, the SAN covers the expected name (no CN fallback), and it is
// in date. Credentials go out only when credentials_safe().
struct PeerVerdict {
  enum class Fault : uint8_t { kNone, kNoCertificate, kUntrusted, kWrongName, kNoName, kNotYetValid, kExpired };
  Fault fault = Fault::kNoCertificate;  // the first failure found, in this order
  bool trusted = false;                 // verified to the anchors or the public roots
  bool name_ok = false;
  bool dated = false;                   // the box clock was valid: days_left means something
  int32_t days_left = 0;
  FixedText<128> subject;
  bool credentials_safe() const { return fault == Fault::kNone; }
};
// `name` empty: no name to hold the certificate to (a host given as an address
// without server_name): never safe. `now_valid` false: expiry is not judged.
void judge_peer(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, bool now_valid, int64_t now, PeerVerdict& out,
                const RootLookup* public_roots = nullptr);
// The fault in a few words ("not trusted", "not for relay.example.com", "expired").
void describe_fault(const PeerVerdict& v, std::string_view name, TextBuffer& out);

}  // namespace probebox::x509
