#include "protocols/tls_legacy_hello.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace probebox::tls_legacy {
namespace {

uint16_t be16(const std::vector<uint8_t>& b, size_t at) { return static_cast<uint16_t>(b.at(at) << 8 | b.at(at + 1)); }

std::vector<uint8_t> hello(uint16_t version, std::string_view name) {
  std::array<uint8_t, 32> random{};
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<uint8_t>(i * 7);
  std::vector<uint8_t> out(kMaxHelloBytes);
  Result<size_t> n = build_client_hello(out, version, name, random);
  EXPECT_TRUE(n.ok());
  out.resize(n.ok() ? *n : 0);
  return out;
}

// The extensions of a ClientHello record, by type (walks every length field, so a
// wrong one fails here).
std::vector<std::pair<uint16_t, std::vector<uint8_t>>> extensions(const std::vector<uint8_t>& r) {
  EXPECT_EQ(r.at(0), 22);
  EXPECT_EQ(be16(r, 3) + 5u, r.size());
  EXPECT_EQ(r.at(5), 1);
  EXPECT_EQ((size_t(r.at(6)) << 16 | be16(r, 7)) + 9u, r.size());
  size_t at = 9 + 2 + 32;
  at += 1 + r.at(at);         // session id
  at += 2 + be16(r, at);      // suites
  at += 1 + r.at(at);         // compression
  size_t end = at + 2 + be16(r, at);
  EXPECT_EQ(end, r.size());
  at += 2;
  std::vector<std::pair<uint16_t, std::vector<uint8_t>>> out;
  while (at + 4 <= end) {
    uint16_t type = be16(r, at), len = be16(r, at + 2);
    out.emplace_back(type, std::vector<uint8_t>(r.begin() + static_cast<long>(at + 4), r.begin() + static_cast<long>(at + 4 + len)));
    at += 4 + len;
  }
  EXPECT_EQ(at, end);
  return out;
}

TEST(TlsLegacyHello, OffersOnlyTheAskedVersionWithItsServerName) {
  auto r = hello(kTls11, "manage.example.com");
  EXPECT_EQ(be16(r, 1), kTls10);  // record layer
  EXPECT_EQ(be16(r, 9), kTls11);  // client_version: the highest offered
  auto ext = extensions(r);
  ASSERT_FALSE(ext.empty());
  EXPECT_EQ(ext[0].first, 0x0000);
  std::string name(ext[0].second.begin() + 5, ext[0].second.end());
  EXPECT_EQ(name, "manage.example.com");
  for (auto& [type, body] : ext) EXPECT_NE(type, 0x002B) << "no supported_versions: nothing above the offered one";
}

TEST(TlsLegacyHello, NoSniForAnAddressAndOnlyOldVersions) {
  auto ext = extensions(hello(kTls10, "192.0.2.10"));
  for (auto& [type, body] : ext) EXPECT_NE(type, 0x0000);
  std::array<uint8_t, 32> random{};
  std::vector<uint8_t> out(kMaxHelloBytes);
  EXPECT_EQ(build_client_hello(out, 0x0303, "a.test", random).status().code(), StatusCode::kInvalidArgument);
  std::vector<uint8_t> tiny(40);
  EXPECT_EQ(build_client_hello(tiny, kTls10, "a.test", random).status().code(), StatusCode::kOutOfRange);
  std::string longest(253, 'a');
  EXPECT_TRUE(build_client_hello(out, kTls10, longest, random).ok());
}

TEST(TlsLegacyHello, TheAnswerSaysAcceptedRefusedOrNotTls) {
  // ServerHello for 1.0, as a server that still speaks it answers.
  std::vector<uint8_t> server_hello = {22, 3, 1, 0, 42, 2, 0, 0, 38, 3, 1};
  EXPECT_EQ(read_answer(server_hello, kTls10).kind, Answer::Kind::kAccepted);
  Answer older = read_answer(std::vector<uint8_t>{22, 3, 0, 0, 42, 2, 0, 0, 38, 3, 0}, kTls10);
  EXPECT_EQ(older.kind, Answer::Kind::kDowngraded);
  EXPECT_EQ(older.server_version, 0x0300);
  Answer alert = read_answer(std::vector<uint8_t>{21, 3, 1, 0, 2, 2, 70}, kTls11);
  EXPECT_EQ(alert.kind, Answer::Kind::kRefused);
  EXPECT_EQ(alert.alert, 70);
  EXPECT_EQ(read_answer(std::vector<uint8_t>{'H', 'T', 'T', 'P', '/', '1', '.', '1'}, kTls10).kind,
            Answer::Kind::kNotTls);
  EXPECT_EQ(read_answer(std::vector<uint8_t>{23, 3, 3, 0, 5, 1, 2, 3, 4, 5, 6}, kTls10).kind, Answer::Kind::kNotTls);
  // Every prefix of a real answer is "need more", never a verdict.
  for (size_t n = 0; n < server_hello.size(); ++n) {
    std::vector<uint8_t> cut(server_hello.begin(), server_hello.begin() + static_cast<long>(n));
    EXPECT_EQ(read_answer(cut, kTls10).kind, Answer::Kind::kNeedMore) << n;
  }
  EXPECT_STREQ(version_name(kTls11), "1.1");
}

}  // namespace
}  // namespace probebox::tls_legacy
