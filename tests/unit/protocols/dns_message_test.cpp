#include "protocols/dns_message.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace probebox::dns {
namespace {

// A response to an A query for manage.lab.test: two A records (the second owner is a
// compression pointer to the question) and one RRSIG-like record of another type.
std::vector<uint8_t> good_response() {
  std::vector<uint8_t> m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0};
  const uint8_t qname[] = {6, 'm', 'a', 'n', 'a', 'g', 'e', 3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0};
  m.insert(m.end(), qname, qname + sizeof(qname));
  m.insert(m.end(), {0, 1, 0, 1});
  const uint8_t a1[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
  const uint8_t a2[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 2};
  const uint8_t other[] = {0xC0, 12, 0, 46, 0, 1, 0, 0, 0, 30, 0, 2, 0xAB, 0xCD};
  m.insert(m.end(), a1, a1 + sizeof(a1));
  m.insert(m.end(), a2, a2 + sizeof(a2));
  m.insert(m.end(), other, other + sizeof(other));
  return m;
}

TEST(DnsMessage, QueryRoundTrip) {
  uint8_t buf[300];
  auto n = build_query(buf, 0x1234, "manage.lab.test.", kTypeA);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 12u + 17 + 4);
  EXPECT_EQ(buf[2], 0x01);  // RD
  EXPECT_FALSE(build_query(buf, 1, "a..b", kTypeA).ok());
  EXPECT_FALSE(build_query(buf, 1, std::string(64, 'a') + ".test", kTypeA).ok());
  EXPECT_FALSE(build_query({buf, 20}, 1, "manage.lab.test", kTypeA).ok());
}

TEST(DnsMessage, ParsesAddressesTtlAndSkipsOtherTypes) {
  auto m = good_response();
  DnsAnswer a;
  ASSERT_TRUE(parse_response(m, 0x1234, "MANAGE.lab.test", kTypeA, a).ok());
  EXPECT_EQ(a.rcode, 0);
  EXPECT_EQ(a.answer_count, 3);
  ASSERT_EQ(a.address_count, 2);
  EXPECT_EQ(a.min_ttl, 30u);
  FixedText<48> text;
  format_address(a.addresses[1], text);
  EXPECT_EQ(text.view(), "127.0.0.2");
}

TEST(DnsMessage, RejectsOtherIdsAndQuestions) {
  auto m = good_response();
  DnsAnswer a;
  EXPECT_EQ(parse_response(m, 0x1235, "manage.lab.test", kTypeA, a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_response(m, 0x1234, "rta.lab.test", kTypeA, a).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_response(m, 0x1234, "manage.lab.test", kTypeAaaa, a).code(), StatusCode::kInvalidArgument);
  m[2] &= 0x7F;  // QR=0: a query
  EXPECT_EQ(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kInvalidArgument);
}

TEST(DnsMessage, RcodesAndTruncation) {
  auto m = good_response();
  m[3] = 0x83;  // NXDOMAIN
  DnsAnswer a;
  ASSERT_TRUE(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).ok());
  EXPECT_STREQ(rcode_name(a.rcode), "NXDOMAIN");
  EXPECT_STREQ(rcode_name(2), "SERVFAIL");
  EXPECT_STREQ(rcode_name(5), "REFUSED");
  EXPECT_STREQ(rcode_name(9), "RCODE9");
  m[3] = 0x80;
  m[2] |= 0x02;  // TC
  ASSERT_TRUE(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).ok());
  EXPECT_TRUE(a.truncated);
  EXPECT_EQ(a.address_count, 0);
}

TEST(DnsMessage, CompressionLoopsEnd) {
  auto m = good_response();
  // First answer's owner (at byte 33) points at itself.
  m[33] = 0xC0;
  m[34] = 33;
  DnsAnswer a;
  EXPECT_EQ(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
  // Two pointers pointing at each other (backwards then forwards).
  auto n = good_response();
  n[33] = 0xC0;
  n[34] = 49;
  n[49] = 0xC0;
  n[50] = 33;
  EXPECT_EQ(parse_response(n, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
  // A backward pointer into a label run that ends in the same pointer.
  auto l = good_response();
  l[28] = 0xC0;  // the question's terminating zero becomes a pointer back to its start
  l[29] = 12;
  EXPECT_NE(parse_response(l, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kOk);
}

TEST(DnsMessage, PointerPastTheEndAndBadRdlength) {
  auto m = good_response();
  m[34] = 0xFF;
  DnsAnswer a;
  EXPECT_EQ(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
  auto r = good_response();
  r[43] = 0xFF;  // rdlength of the first answer far beyond the message
  EXPECT_EQ(parse_response(r, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
}

TEST(DnsMessage, EveryTruncationFailsCleanly) {
  auto m = good_response();
  DnsAnswer a;
  for (size_t n = 0; n < m.size(); ++n) {
    std::vector<uint8_t> cut(m.begin(), m.begin() + static_cast<long>(n));
    EXPECT_FALSE(parse_response(cut, 0x1234, "manage.lab.test", kTypeA, a).ok()) << n;
  }
}

TEST(DnsMessage, SeededMutationsNeverCrash) {
  std::mt19937 rng(20261122);
  auto base = good_response();
  DnsAnswer a;
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto m = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) m[rng() % m.size()] = static_cast<uint8_t>(rng());
    if (rng() % 4 == 0) m.resize(rng() % m.size());
    accepted += parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).ok();
    EXPECT_LE(a.address_count, kMaxAddresses);
  }
  EXPECT_GT(accepted, 0);  // some mutations leave a valid message: the parser was exercised
}

TEST(DnsMessage, Ipv6Formatting) {
  Address a;
  a.family = 6;
  a.bytes = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  FixedText<48> t;
  format_address(a, t);
  EXPECT_EQ(t.view(), "2001:db8::1");
  a.bytes = {};
  t.clear();
  format_address(a, t);
  EXPECT_EQ(t.view(), "::");
}

// The response head of good_response() with one answer record appended.
std::vector<uint8_t> with_answer(std::initializer_list<uint8_t> record) {
  std::vector<uint8_t> m = good_response();
  m.resize(12 + 17 + 4);
  m[7] = 1;
  m.insert(m.end(), record);
  return m;
}

// A CNAME whose target is a label and a pointer back to that label: every pointer
// goes backwards, so only the jump limit and the name length stop it.
TEST(DnsMessage, BackwardPointerLoopIsNamed) {
  const uint8_t rdata_at = 12 + 17 + 4 + 12;
  auto m = with_answer({0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'a', 0xC0, rdata_at});
  DnsAnswer a;
  EXPECT_EQ(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
  EXPECT_STREQ(a.problem, "answer has a name compression loop");
  auto self = with_answer({0xC0, 12 + 17 + 4, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  EXPECT_EQ(parse_response(self, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss);
  EXPECT_STREQ(a.problem, "answer has a name compression loop");
}

TEST(DnsMessage, EveryRefusalSaysWhy) {
  auto m = good_response();
  DnsAnswer a;
  ASSERT_TRUE(parse_response(m, 0x1234, "manage.lab.test", kTypeA, a).ok());
  EXPECT_STREQ(a.problem, "");
  EXPECT_EQ(parse_response(m, 0x4321, "manage.lab.test", kTypeA, a).code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(a.problem, "DNS answer id mismatch");
  EXPECT_EQ(parse_response(m, 0x1234, "rta.lab.test", kTypeA, a).code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(a.problem, "answer to another question");
  for (size_t n : {size_t{5}, m.size() - 3, size_t{12 + 17 + 4 + 6}}) {
    std::vector<uint8_t> cut(m.begin(), m.begin() + static_cast<long>(n));
    EXPECT_EQ(parse_response(cut, 0x1234, "manage.lab.test", kTypeA, a).code(), StatusCode::kDataLoss) << n;
    EXPECT_STREQ(a.problem, "answer cut short") << n;
  }
}

}  // namespace
}  // namespace probebox::dns
