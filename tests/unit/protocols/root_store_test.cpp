// The built-in public roots (protocols/root_store.h): the flash table's lookup, the
// minimal certificate the callback builds from a subject and a key, mbedTLS's
// verification through it (judge_chain's `trusted_by`), and the table the build
// generated from Debian's ca-certificates. Offline, over certificates in
// tests/data/roots (a lab root standing in for a public one, 2026-11-30 .. 2056).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mbedtls/x509_crt.h"
#include "protocols/root_store.h"
#include "protocols/x509_summary.h"
#include "test_roots.h"

namespace probebox::x509 {
namespace {

constexpr int64_t k2030 = 1893456000;  // 2030-01-01
constexpr int64_t k2060 = 2840140800;  // 2060-01-01: after the test roots' notAfter

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(PROBEBOX_TEST_DATA) + "/roots/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A parsed certificate (list), freed at the end of the test.
struct Crt {
  mbedtls_x509_crt c;
  explicit Crt(std::initializer_list<const char*> files) {
    mbedtls_x509_crt_init(&c);
    for (const char* f : files) {
      std::string pem = read_data(f);
      EXPECT_EQ(mbedtls_x509_crt_parse(&c, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1), 0)
          << f;
    }
  }
  ~Crt() { mbedtls_x509_crt_free(&c); }
  Crt(const Crt&) = delete;
  Crt& operator=(const Crt&) = delete;
};

// A table over the given roots, as the simulator's --public-roots-pem builds it.
struct TestTable {
  sim::TestRoots roots;
  const RootTable& table;
  explicit TestTable(std::initializer_list<const char*> files, uint32_t not_after = 0xFFFFFFFFu)
      : table(load(files, not_after)) {}
  const RootTable& load(std::initializer_list<const char*> files, uint32_t not_after) {
    for (const char* f : files) EXPECT_TRUE(roots.add_pem(read_data(f), not_after)) << f;
    return roots.table("test");
  }
};

std::span<const uint8_t> raw(const mbedtls_x509_buf& b) { return {b.p, b.len}; }

TEST(RootTable, FindsEveryRootByItsSubjectAndRebuildsItsKey) {
  TestTable t({"public-root.pem", "public-ec-root.pem", "public-root-twin.pem"});
  Crt rsa({"public-root.pem"});
  Crt ec({"public-ec-root.pem"});
  Crt leaf({"leaf-by-root.pem"});
  // The RSA root and its twin share a subject (a key rollover): both are candidates.
  EXPECT_EQ(find_roots(t.table, raw(rsa.c.subject_raw)).size(), 2u);
  ASSERT_EQ(find_roots(t.table, raw(ec.c.subject_raw)).size(), 1u);
  uint8_t key[kMaxRootKeyDer];
  EXPECT_TRUE(std::ranges::equal(root_key(t.table, find_roots(t.table, raw(ec.c.subject_raw))[0], key),
                                 raw(ec.c.pk_raw)));
  // The leaf's issuer is the RSA root's subject; its own subject is no root.
  EXPECT_EQ(find_roots(t.table, raw(leaf.c.issuer_raw)).size(), 2u);
  EXPECT_TRUE(find_roots(t.table, raw(leaf.c.subject_raw)).empty());
  // A prefix of a subject is not that subject.
  std::span<const uint8_t> s = raw(rsa.c.subject_raw);
  EXPECT_TRUE(find_roots(t.table, s.first(s.size() - 1)).empty());
  EXPECT_TRUE(find_roots(t.table, {}).empty());
  EXPECT_TRUE(find_roots(RootTable{}, s).empty());
}

TEST(RootTable, SubjectHashIsFnv1a) {
  // The generator (cmake/gen_public_roots.py) computes the same.
  const uint8_t empty[1] = {0};
  EXPECT_EQ(subject_hash(std::span<const uint8_t>(empty, 0)), 2166136261u);
  const uint8_t a[] = {'a'};
  EXPECT_EQ(subject_hash(a), 0xe40c292cu);
  const uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(subject_hash(foobar), 0xbf9cf968u);
}

TEST(RootTable, AKeyIsItsFormsPrefixItsOwnBytesAndTheSuffix) {
  Crt rsa({"public-root.pem"});
  std::span<const uint8_t> spki = raw(rsa.c.pk_raw);
  // An RSA key split as the generator splits it: the DER before the modulus, the
  // modulus, the exponent.
  const RootKeyForm forms[] = {{}, {spki.data(), 33, spki.data() + spki.size() - 5, 5}};
  const RootEntry e{0, 0xFFFFFFFFu, 0, static_cast<uint16_t>(spki.size() - 38), 1, 0};
  std::vector<uint8_t> blob(spki.begin() + 33, spki.end() - 5);
  RootTable t{&e, 1, blob.data(), static_cast<uint32_t>(blob.size()), forms, 2, "test"};
  uint8_t key[kMaxRootKeyDer];
  EXPECT_TRUE(std::ranges::equal(root_key(t, e, key), spki));
  // The size the lookup allocates for it is exactly what is written.
  EXPECT_EQ(root_key_size(t, e), spki.size());
  // Too small a buffer, a key past the blob, a form that does not exist: nothing.
  uint8_t small[64];
  EXPECT_TRUE(root_key(t, e, small).empty());
  RootEntry past = e;
  past.key_len = static_cast<uint16_t>(blob.size() + 1);
  EXPECT_TRUE(root_key(t, past, key).empty());
  EXPECT_EQ(root_key_size(t, past), 0u);
  RootEntry no_form = e;
  no_form.key_form = 2;
  EXPECT_TRUE(root_key(t, no_form, key).empty());
}

TEST(RootTable, TheMinimalCertificateParsesToTheSameSubjectAndKey) {
  for (const char* file : {"public-root.pem", "public-ec-root.pem"}) {
    Crt root({file});
    uint8_t der[kMaxRootCertDer];
    size_t n = build_root_cert(raw(root.c.subject_raw), raw(root.c.pk_raw), der);
    ASSERT_GT(n, 0u) << file;
    // The size the lookup allocates is exactly what is built (no slack, no overrun).
    EXPECT_EQ(root_cert_size(root.c.subject_raw.len, root.c.pk_raw.len), n) << file;
    Crt built({});
    ASSERT_EQ(mbedtls_x509_crt_parse_der(&built.c, der, n), 0) << file;
    EXPECT_TRUE(std::ranges::equal(raw(built.c.subject_raw), raw(root.c.subject_raw))) << file;
    EXPECT_TRUE(std::ranges::equal(raw(built.c.issuer_raw), raw(root.c.subject_raw))) << file;
    EXPECT_TRUE(std::ranges::equal(raw(built.c.pk_raw), raw(root.c.pk_raw))) << file;
    EXPECT_EQ(built.c.version, 1) << file;
    // Too small a buffer: nothing built, nothing written past it.
    std::vector<uint8_t> small(n - 1);
    EXPECT_EQ(build_root_cert(raw(root.c.subject_raw), raw(root.c.pk_raw), small), 0u) << file;
  }
}

class PublicRootsVerify : public ::testing::Test {
 protected:
  ChainVerdict judge(const char* chain_file, const RootTable& table, bool clock = true, int64_t now = k2030,
                     const mbedtls_x509_crt* anchors = nullptr, uint32_t handshake_flags = 0) {
    Crt chain({chain_file});
    RootLookup lookup{&table, clock, now};
    return judge_chain(&chain.c, anchors, handshake_flags, &lookup);
  }
};

TEST_F(PublicRootsVerify, AChainToAPublicRootIsTrustedByThePublicSet) {
  TestTable t({"public-root.pem", "public-ec-root.pem"});
  for (const char* leaf : {"leaf-by-root.pem", "leaf-by-ec-root.pem"}) {
    ChainVerdict v = judge(leaf, t.table);
    EXPECT_EQ(v.trusted, Trust::kYes) << leaf << " flags " << v.flags;
    EXPECT_EQ(v.trusted_by, TrustSet::kPublic) << leaf;
    EXPECT_TRUE(v.complete) << leaf;
    EXPECT_STREQ(trust_set_name(v.trusted_by), "public");
  }
}

TEST_F(PublicRootsVerify, TheRightKeyIsFoundAmongRootsThatShareASubject) {
  TestTable both({"public-root-twin.pem", "public-root.pem"});
  EXPECT_EQ(judge("leaf-by-root.pem", both.table).trusted, Trust::kYes);
  // The twin alone names the same issuer but its key did not sign the leaf.
  TestTable twin({"public-root-twin.pem"});
  ChainVerdict v = judge("leaf-by-root.pem", twin.table);
  EXPECT_EQ(v.trusted, Trust::kNo);
  EXPECT_EQ(v.trusted_by, TrustSet::kNone);
  EXPECT_NE(v.flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0u);
}

TEST_F(PublicRootsVerify, ASelfSignedLeafOrAnUnknownIssuerIsNotTrusted) {
  TestTable t({"public-root.pem"});
  ChainVerdict self = judge("self-signed-leaf.pem", t.table);
  EXPECT_EQ(self.trusted, Trust::kNo);
  EXPECT_TRUE(self.complete);  // self-issued: nothing missing, just not trusted
  TestTable other({"public-ec-root.pem"});
  ChainVerdict unknown = judge("leaf-by-root.pem", other.table);
  EXPECT_EQ(unknown.trusted, Trust::kNo);
  EXPECT_FALSE(unknown.complete);  // its issuer is neither sent nor a root
  // The same self-signed leaf as its own anchor: trusted by the anchors, as before.
  Crt self_anchor({"self-signed-leaf.pem"});
  EXPECT_EQ(judge("self-signed-leaf.pem", t.table, true, k2030, &self_anchor.c, 0).trusted_by, TrustSet::kAnchors);
}

TEST_F(PublicRootsVerify, AnExpiredRootIsNoCandidateOnceTheClockIsKnown) {
  TestTable t({"public-root.pem"}, static_cast<uint32_t>(k2030 - 1));
  EXPECT_EQ(judge("leaf-by-root.pem", t.table, true, k2030).trusted, Trust::kNo);
  EXPECT_EQ(judge("leaf-by-root.pem", t.table, false, 0).trusted, Trust::kYes);  // no clock: not judged
  TestTable later({"public-root.pem"});
  EXPECT_EQ(judge("leaf-by-root.pem", later.table, true, k2060).trusted, Trust::kYes);
}

TEST_F(PublicRootsVerify, AnchorsFirstThenThePublicSet) {
  TestTable t({"public-root.pem"});
  Crt anchors({"public-ec-root.pem"});
  // The handshake's verification to the anchors said "not trusted": the public set decides.
  ChainVerdict v = judge("leaf-by-root.pem", t.table, true, k2030, &anchors.c, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
  EXPECT_EQ(v.trusted_by, TrustSet::kPublic);
  // The anchors verified it: theirs, without asking the public set.
  v = judge("leaf-by-ec-root.pem", t.table, true, k2030, &anchors.c, 0);
  EXPECT_EQ(v.trusted, Trust::kYes);
  EXPECT_EQ(v.trusted_by, TrustSet::kAnchors);
  // Neither.
  v = judge("self-signed-leaf.pem", t.table, true, k2030, &anchors.c, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
  EXPECT_EQ(v.trusted, Trust::kNo);
  EXPECT_EQ(v.trusted_by, TrustSet::kNone);
}

TEST_F(PublicRootsVerify, WithoutPublicRootsOrAnchorsTrustIsNotJudged) {
  Crt chain({"leaf-by-root.pem"});
  ChainVerdict v = judge_chain(&chain.c, nullptr, 0, nullptr);
  EXPECT_EQ(v.trusted, Trust::kNotJudged);
  EXPECT_EQ(v.trusted_by, TrustSet::kNone);
  EXPECT_EQ(trust_set_name(v.trusted_by), nullptr);
}

// The table the build generated: Debian's ca-certificates (or the build's test set).
TEST(BuiltInRoots, TheGeneratedTableIsSortedBoundedAndEveryRootIsUsable) {
  const RootTable& t = kBuiltInRoots;
  ASSERT_GT(t.count, 0u);
  ASSERT_NE(t.source, nullptr);
  int usable = 0;
  const uint8_t subject[] = {0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00};
  for (uint16_t i = 0; i < t.count; ++i) {
    const RootEntry& e = t.entries[i];
    if (i > 0) EXPECT_LE(t.entries[i - 1].subject_hash, e.subject_hash) << "entry " << i << " out of order";
    uint8_t key[kMaxRootKeyDer];
    std::span<const uint8_t> k = root_key(t, e, key);
    ASSERT_FALSE(k.empty()) << i;
    // Each key becomes a certificate mbedTLS takes (the subject is the issuer's).
    uint8_t der[kMaxRootCertDer];
    size_t n = build_root_cert(subject, k, der);
    ASSERT_GT(n, 0u) << i;
    Crt built({});
    if (mbedtls_x509_crt_parse_der(&built.c, der, n) == 0) ++usable;
  }
  EXPECT_EQ(usable, t.count) << "roots whose key this build's mbedTLS cannot parse";
}

// End to end with the generator: every certificate Debian ships is found by its
// subject and its key comes back byte for byte.
TEST(BuiltInRoots, EveryDebianRootIsFoundWithItsExactKey) {
  const RootTable& t = kBuiltInRoots;
  if (!std::string_view(t.source).starts_with("Debian")) GTEST_SKIP() << "built with a test set: " << t.source;
  int checked = 0;
  for (const auto& f : std::filesystem::directory_iterator(PROBEBOX_CA_CERTIFICATES_DIR)) {
    if (f.path().extension() != ".crt") continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string pem = ss.str();
    Crt c({});
    ASSERT_EQ(mbedtls_x509_crt_parse(&c.c, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1), 0)
        << f.path();
    bool found = false;
    for (const RootEntry& e : find_roots(t, raw(c.c.subject_raw))) {
      uint8_t key[kMaxRootKeyDer];
      found |= std::ranges::equal(root_key(t, e, key), raw(c.c.pk_raw));
    }
    EXPECT_TRUE(found) << f.path();
    ++checked;
  }
  EXPECT_EQ(checked, t.count);
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace probebox::x509
