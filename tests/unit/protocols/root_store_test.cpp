// The built-in public roots (protocols/root_store.h): the flash table's lookup, the
// minimal certificate the callback builds from a subject and a key, mbedTLS's
// verification through it (judge_chain's `trusted_by`), and the table the build
// generated from Debian's ca-certificates. Offline, over certificates in
// tests/data/roots (a lab root standing in for a public one, 2026-11-30 .. 2056).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mbedtls/x509_crt.h"
#include "protocols/root_store.h"
#include "protocols/x509_summary.h"

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

// A table in the generator's form (cmake/gen_public_roots.py) over the given roots.
struct TestTable {
  std::vector<uint8_t> blob;
  std::vector<RootEntry> entries;
  RootTable table;
  explicit TestTable(std::initializer_list<const char*> files, uint32_t not_after = 0xFFFFFFFFu) {
    std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> roots;
    for (const char* f : files) {
      Crt crt({f});
      roots.emplace_back(std::vector<uint8_t>(crt.c.subject_raw.p, crt.c.subject_raw.p + crt.c.subject_raw.len),
                         std::vector<uint8_t>(crt.c.pk_raw.p, crt.c.pk_raw.p + crt.c.pk_raw.len));
    }
    std::sort(roots.begin(), roots.end(), [](const auto& a, const auto& b) {
      if (a.first.size() != b.first.size()) return a.first.size() < b.first.size();
      return a.first != b.first ? a.first < b.first : a.second < b.second;
    });
    for (const auto& [subject, key] : roots) {
      entries.push_back({static_cast<uint32_t>(blob.size()), static_cast<uint16_t>(subject.size()),
                         static_cast<uint16_t>(key.size()), not_after});
      blob.insert(blob.end(), subject.begin(), subject.end());
      blob.insert(blob.end(), key.begin(), key.end());
    }
    table = {entries.data(), static_cast<uint16_t>(entries.size()), blob.data(), static_cast<uint32_t>(blob.size()),
             "test"};
  }
};

std::span<const uint8_t> raw(const mbedtls_x509_buf& b) { return {b.p, b.len}; }

TEST(RootTable, FindsEveryRootByItsExactSubjectAndNothingElse) {
  TestTable t({"public-root.pem", "public-ec-root.pem", "public-root-twin.pem"});
  Crt rsa({"public-root.pem"});
  Crt ec({"public-ec-root.pem"});
  Crt leaf({"leaf-by-root.pem"});
  // The RSA root and its twin share a subject (a key rollover): both are candidates.
  EXPECT_EQ(find_roots(t.table, raw(rsa.c.subject_raw)).size(), 2u);
  ASSERT_EQ(find_roots(t.table, raw(ec.c.subject_raw)).size(), 1u);
  const RootEntry& e = find_roots(t.table, raw(ec.c.subject_raw))[0];
  EXPECT_TRUE(std::ranges::equal(root_key(t.table, e), raw(ec.c.pk_raw)));
  // The leaf's issuer is the RSA root's subject; its own subject is no root.
  EXPECT_EQ(find_roots(t.table, raw(leaf.c.issuer_raw)).size(), 2u);
  EXPECT_TRUE(find_roots(t.table, raw(leaf.c.subject_raw)).empty());
  // A prefix of a subject is not that subject.
  std::span<const uint8_t> s = raw(rsa.c.subject_raw);
  EXPECT_TRUE(find_roots(t.table, s.first(s.size() - 1)).empty());
  EXPECT_TRUE(find_roots(t.table, {}).empty());
  EXPECT_TRUE(find_roots(RootTable{}, s).empty());
}

TEST(RootTable, AnEntryOutsideItsBlobIsNeverRead) {
  TestTable t({"public-ec-root.pem"});
  Crt ec({"public-ec-root.pem"});
  t.entries[0].key_len = static_cast<uint16_t>(t.blob.size());  // runs past the end
  EXPECT_TRUE(find_roots(t.table, raw(ec.c.subject_raw)).empty());
  EXPECT_TRUE(root_subject(t.table, t.entries[0]).empty());
  EXPECT_TRUE(root_key(t.table, t.entries[0]).empty());
}

TEST(RootTable, TheMinimalCertificateParsesToTheSameSubjectAndKey) {
  for (const char* file : {"public-root.pem", "public-ec-root.pem"}) {
    Crt root({file});
    uint8_t der[kMaxRootCertDer];
    size_t n = build_root_cert(raw(root.c.subject_raw), raw(root.c.pk_raw), der);
    ASSERT_GT(n, 0u) << file;
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
  uint64_t covered = 0;
  int usable = 0;
  for (uint16_t i = 0; i < t.count; ++i) {
    const RootEntry& e = t.entries[i];
    ASSERT_FALSE(root_subject(t, e).empty()) << i;
    ASSERT_FALSE(root_key(t, e).empty()) << i;
    covered += e.subject_len + e.key_len;
    if (i > 0) {
      std::span<const uint8_t> a = root_subject(t, t.entries[i - 1]), b = root_subject(t, e);
      EXPECT_TRUE(a.size() < b.size() || (a.size() == b.size() && !std::ranges::lexicographical_compare(b, a)))
          << "entry " << i << " out of order";
    }
    // Each root is found by its subject and becomes a certificate mbedTLS takes.
    std::span<const RootEntry> found = find_roots(t, root_subject(t, e));
    EXPECT_TRUE(std::any_of(found.begin(), found.end(), [&](const RootEntry& f) { return &f == &e; })) << i;
    uint8_t der[kMaxRootCertDer];
    size_t n = build_root_cert(root_subject(t, e), root_key(t, e), der);
    ASSERT_GT(n, 0u) << i;
    Crt built({});
    if (mbedtls_x509_crt_parse_der(&built.c, der, n) == 0) ++usable;
  }
  EXPECT_EQ(covered, t.blob_size);  // the entries tile the blob: nothing unused, nothing shared
  EXPECT_EQ(usable, t.count) << "roots whose key this build's mbedTLS cannot parse";
  if (std::string_view(t.source).starts_with("Debian")) EXPECT_GT(t.count, 100u);
}

}  // namespace
}  // namespace probebox::x509
