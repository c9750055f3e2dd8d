// x509::judge_chain certificate by certificate, offline over real certificates
// (chain_fixtures.inc, made by make_chain_fixtures.py with fixed dates): order, the
// earliest notAfter of all sent, SHA-1 anywhere but a root's self-signature, a
// self-signed leaf, an empty subject, a reversed chain that still verifies.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "mbedtls/x509_crt.h"
#include "protocols/x509_summary.h"

namespace probebox::x509 {
namespace {

#include "chain_fixtures.inc"

constexpr int64_t k2030June = 1906502400;  // 2030-06-01T00:00:00Z
constexpr int64_t k2035 = 2051222400;      // 2035-01-01T00:00:00Z
constexpr int64_t k2031 = 1924992000;      // 2031-01-01T00:00:00Z
constexpr int64_t k2040 = 2208988800;      // 2040-01-01T00:00:00Z

// A chain as a server sends it: the certificates in the given order.
class Chain {
 public:
  Chain(std::initializer_list<const char*> pems) {
    mbedtls_x509_crt_init(&crt_);
    for (const char* pem : pems) {
      std::string p(pem);
      ok_ = ok_ && mbedtls_x509_crt_parse(&crt_, reinterpret_cast<const unsigned char*>(p.c_str()), p.size() + 1) == 0;
    }
  }
  ~Chain() { mbedtls_x509_crt_free(&crt_); }
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;
  const mbedtls_x509_crt* get() const { return &crt_; }
  mbedtls_x509_crt* get() { return &crt_; }
  bool ok() const { return ok_; }

 private:
  mbedtls_x509_crt crt_;
  bool ok_ = true;
};

// Flags as a handshake would have reported them, verifying `sent` to `anchors`.
uint32_t handshake_flags(Chain& sent, Chain& anchors) {
  uint32_t flags = 0;
  mbedtls_x509_crt_verify(sent.get(), anchors.get(), nullptr, nullptr, &flags, nullptr, nullptr);
  return flags;
}

TEST(JudgeChain, InOrderLeafThenIssuerVerifiesAndTheIntermediateExpiresFirst) {
  Chain sent({kLeafPem, kInterPem});
  Chain anchors({kRootPem});
  ASSERT_TRUE(sent.ok() && anchors.ok());
  ChainVerdict v = judge_chain(sent.get(), anchors.get(), handshake_flags(sent, anchors));
  EXPECT_EQ(v.sent, 2);
  EXPECT_TRUE(v.complete);
  EXPECT_TRUE(v.in_order);
  EXPECT_EQ(v.trusted, Trust::kYes);
  EXPECT_FALSE(v.leaf_self_signed);
  EXPECT_FALSE(v.weak_sig);
  EXPECT_EQ(v.earliest_not_after, k2030June);  // the intermediate's, not the leaf's 2035
  EXPECT_EQ(v.earliest_index, 1);
  EXPECT_EQ(v.earliest_name.view(), "Fixture Intermediate");
  EXPECT_EQ(v.verified_not_after, k2030June);
}

TEST(JudgeChain, TheVerifiedChainCountsTheAnchorItsExpiryIsBlackboxsLastChainExpiry) {
  Chain sent({kLateLeafPem, kLateInterPem});
  Chain anchors({kRootPem});
  ChainVerdict v = judge_chain(sent.get(), anchors.get(), handshake_flags(sent, anchors));
  EXPECT_EQ(v.trusted, Trust::kYes);
  EXPECT_EQ(v.earliest_not_after, k2035);      // of the sent ones: the leaf
  EXPECT_EQ(v.verified_not_after, k2035);
  EXPECT_EQ(v.latest_not_before, k2031);       // the intermediate starts later than the leaf
  EXPECT_EQ(v.latest_start_name.view(), "Fixture Late Intermediate");
  EXPECT_EQ(v.latest_start_index, 1);
}

TEST(JudgeChain, AReversedChainIsOutOfOrderNotIncompleteNorUntrusted) {
  // Root sent before the intermediate: mbedTLS's own walk never finds the root
  // after the intermediate; the path leaf -> intermediate -> root is still whole.
  Chain sent({kLeafPem, kRootPem, kInterPem});
  Chain anchors({kRootPem});
  ChainVerdict v = judge_chain(sent.get(), anchors.get(), handshake_flags(sent, anchors));
  EXPECT_TRUE(v.complete);
  EXPECT_FALSE(v.in_order);
  EXPECT_EQ(v.trusted, Trust::kYes) << std::hex << v.flags;
  // Without anchors too: complete under its own root, trust not judged.
  ChainVerdict alone = judge_chain(sent.get(), nullptr, 0);
  EXPECT_TRUE(alone.complete);
  EXPECT_FALSE(alone.in_order);
  EXPECT_EQ(alone.trusted, Trust::kNotJudged);
}

TEST(JudgeChain, AnExtraCertificateIsOutOfOrder) {
  Chain sent({kLeafPem, kInterPem, kSelfSignedPem});
  Chain anchors({kRootPem});
  ChainVerdict v = judge_chain(sent.get(), anchors.get(), handshake_flags(sent, anchors));
  EXPECT_TRUE(v.complete);
  EXPECT_FALSE(v.in_order);
}

TEST(JudgeChain, AMissingIntermediateIsIncomplete) {
  Chain sent({kLeafPem});
  Chain anchors({kRootPem});
  ChainVerdict v = judge_chain(sent.get(), anchors.get(), handshake_flags(sent, anchors));
  EXPECT_FALSE(v.complete);
  EXPECT_TRUE(v.in_order);  // nothing sent out of place: it is missing, not misplaced
  EXPECT_EQ(v.trusted, Trust::kNo);
  EXPECT_EQ(v.verified_not_after, 0);
}

TEST(JudgeChain, ASha1IntermediateIsWeakButARootsSelfSignatureIsNot) {
  Chain anchors({kRootPem});
  Chain weak({kSha1LeafPem, kSha1InterPem});
  ChainVerdict v = judge_chain(weak.get(), anchors.get(), handshake_flags(weak, anchors));
  EXPECT_TRUE(v.weak_sig);
  EXPECT_EQ(v.weak_name.view(), "Fixture SHA1 Intermediate");
  EXPECT_EQ(v.weak_alg.view(), "ecdsa-with-SHA1");
  EXPECT_EQ(v.trusted, Trust::kYes);  // SHA-1 is a warning of its own, not "untrusted"
  // The root (SHA-1 self-signed) sent along: its self-signature does not count.
  Chain with_root({kLeafPem, kInterPem, kRootPem});
  ChainVerdict r = judge_chain(with_root.get(), anchors.get(), handshake_flags(with_root, anchors));
  EXPECT_FALSE(r.weak_sig);
  EXPECT_TRUE(r.in_order);
  EXPECT_EQ(r.earliest_not_after, k2030June);
}

TEST(JudgeChain, ASelfSignedLeafIsSaidWhateverTheAnchors) {
  Chain sent({kSelfSignedPem});
  Chain pinned({kSelfSignedPem});
  ChainVerdict v = judge_chain(sent.get(), pinned.get(), handshake_flags(sent, pinned));
  EXPECT_TRUE(v.leaf_self_signed);
  EXPECT_EQ(v.trusted, Trust::kYes);  // pinned as its own anchor: still self-signed
  ChainVerdict alone = judge_chain(sent.get(), nullptr, 0);
  EXPECT_TRUE(alone.leaf_self_signed);
  EXPECT_TRUE(alone.complete);
  Chain issued({kLeafPem, kInterPem});
  EXPECT_FALSE(judge_chain(issued.get(), nullptr, 0).leaf_self_signed);
}

TEST(Summarize, ACertificateWithoutSubjectHasAnEmptyOne) {
  Chain sent({kNosubjectPem, kInterPem});
  CertSummary s;
  summarize(*sent.get(), s);
  EXPECT_EQ(s.subject.view(), "");
  EXPECT_EQ(s.issuer.view(), "CN=Fixture Intermediate");
  EXPECT_EQ(s.sans.view(), "nosubject.fixture.test");
  // A finding about it names its place, having no CN.
  Chain anchors({kRootPem});
  Chain alone({kNosubjectPem});
  ChainVerdict v = judge_chain(alone.get(), anchors.get(), handshake_flags(alone, anchors));
  EXPECT_EQ(v.earliest_name.view(), "certificate 1");
  (void)k2040;
}

}  // namespace
}  // namespace probebox::x509
