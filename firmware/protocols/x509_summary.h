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

// A field added here or to ChainVerdict is also packed by net/verified_chain_cache.cpp
// (each_field).
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

// How many certificates of a sent chain are looked at one by one (more are counted
// and make the chain out of order; mbedTLS verifies at most
// MBEDTLS_X509_MAX_INTERMEDIATE_CA intermediates anyway).
inline constexpr size_t kMaxChainCerts = 10;

struct ChainVerdict {
  bool complete = false;
  Trust trusted = Trust::kNotJudged;
  TrustSet trusted_by = TrustSet::kNone;
  uint32_t flags = 0;
  // The chain certificate by certificate (spec/checks.md, tls_cert).
  uint8_t sent = 0;                  // certificates the server sent
  bool in_order = false;             // leaf first, then each one's issuer, nothing else
  bool leaf_self_signed = false;     // the leaf is its own issuer (whatever the anchors say)
  bool weak_sig = false;             // SHA-1/MD5 signature on a sent certificate, a root's self-signature aside
  int64_t earliest_not_after = 0;    // the earliest notAfter of every certificate sent
  int64_t latest_not_before = 0;     // the latest notBefore of every certificate sent
  // The verified chain's earliest notAfter (the path from the leaf through the sent
  // issuers to the anchor that verified it), 0 when it did not verify to anchors:
  // blackbox_exporter's probe_ssl_last_chain_expiry_timestamp_seconds.
  int64_t verified_not_after = 0;
  // Which certificate each finding is about: its CN, else its place ("certificate 2").
  FixedText<64> weak_name;           // the first weakly signed certificate
  FixedText<32> weak_alg;            // and its signature ("sha1WithRSAEncryption")
  // The first certificate sent whose RSA key has a public exponent longer than
  // PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS: the box refuses to compute one
  // (net/mbedtls_public_exp.c), so what it signed does not verify.
  FixedText<64> long_exponent_name;
  // The keys' public operations outgrew the session's RSA work budget
  // (net/rsa_work_budget.h), so the rest did not verify. Set by the probe, from its
  // session; never cached (only trusted chains are).
  bool rsa_work_refused = false;
  FixedText<64> earliest_name;       // the certificate with earliest_not_after
  FixedText<64> latest_start_name;   // the one with latest_not_before
  int8_t earliest_index = 0;         // its place in the sent list (0: the leaf)
  int8_t latest_start_index = 0;
};

void summarize(const mbedtls_x509_crt& leaf, CertSummary& out);
// Whole days until not_after, rounded down (negative once expired).
int32_t days_left(int64_t not_after, int64_t now);
// RFC 6125: case-insensitive; a wildcard only as the whole left-most label, covering
// exactly one label, and never directly under a single-label suffix.
bool name_covered(std::string_view name, std::string_view pattern);
bool covered_by_sans(std::string_view name, const CertSummary& s);
// Complete: from the leaf, each certificate's issuer is among the sent ones (in any
// order) up to a self-issued certificate or one issued by a trust anchor or a public
// root (nothing is missing in between). In order: that path is exactly the sent list.
// Trusted: the handshake's verification to the anchors succeeded, or else (with
// `public_roots`) mbedTLS's verification of the path to the public roots; dates,
// name, hash and key size masked (judged here). For a chain out of order the path is
// re-verified leaf first, so a reversed chain is "out of order", not "untrusted" or
// "incomplete". trusted_by says which set verified it. With neither set, kNotJudged,
// and a complete chain must also verify under its own self-issued root.
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
// What a peer's certificate says that holds for as long as it is the one served:
// whether it verified, whether it names `name`, its dates and subject. A TLS 1.3
// session saves no certificate, so these are kept beside it (net/tls_resumption.h)
// to judge the certificate again, with that day's clock, when the session resumes.
struct PeerFacts {
  bool present = false;  // a certificate was sent
  bool trusted = false;
  bool name_ok = false;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  FixedText<128> subject;
};
// `name` empty: no name to hold the certificate to (a host given as an address
// without server_name): never safe.
void peer_facts(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, PeerFacts& out, const RootLookup* public_roots = nullptr);
// The verdict on those facts at `now` (`now_valid` false: expiry is not judged).
void judge_peer(const PeerFacts& facts, std::string_view name, bool now_valid, int64_t now, PeerVerdict& out);
// Both at once, for a certificate in hand.
void judge_peer(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags,
                std::string_view name, bool now_valid, int64_t now, PeerVerdict& out,
                const RootLookup* public_roots = nullptr);
// The fault in a few words ("not trusted", "not for relay.example.com", "expired").
void describe_fault(const PeerVerdict& v, std::string_view name, TextBuffer& out);

}  // namespace probebox::x509
