// The certificate facts a tls_cert check judges, taken from the chain the server
// sent (mbedTLS-parsed), and the pure rules that judge them (spec/checks.md):
// days left, names covered by the SAN (RFC 6125), chain completeness, key, hash.
#pragma once
#include <cstdint>
#include <string_view>

#include "config/config_model.h"
#include "core/check_types.h"
#include "core/text.h"
#include "mbedtls/x509_crt.h"

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

enum class Trust : uint8_t { kNo, kYes, kNotJudged };  // kNotJudged: no trust anchors

struct ChainVerdict {
  bool complete = false;
  Trust trusted = Trust::kNotJudged;
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
// trust anchor (nothing is missing in between). Trusted (with anchors only): the
// handshake's verification succeeded, dates and name mismatch masked (judged here).
// Without anchors, a complete chain must also verify under its own self-issued root.
ChainVerdict judge_chain(const mbedtls_x509_crt* sent, const mbedtls_x509_crt* anchors, uint32_t handshake_flags);
void append_iso8601(TextBuffer& out, int64_t unix_seconds);

}  // namespace probebox::x509
