#include "protocols/icmp_unreachable.h"

#include <gtest/gtest.h>

#include <vector>

#include "wire_bytes.h"

namespace probebox::icmp {
namespace {

using test::wire::fold;
using test::wire::sum16;
using test::wire::wr16;
using test::wire::wr32;

constexpr uint32_t kRouter = 0xC6336401;  // 198.51.100.1
constexpr uint32_t kBox = 0xC000020A;     // 192.0.2.10
constexpr uint32_t kNode = 0xC6336415;    // 198.51.100.21

// What a router sends back for our SYN to kNode:443 from port 49152 with seq 1000.
std::vector<uint8_t> unreachable(uint8_t code, uint8_t type = 3, uint8_t quoted_proto = 6, size_t quoted_tcp = 8) {
  std::vector<uint8_t> d(20 + 8 + 20 + quoted_tcp);
  d[0] = 0x45;
  wr16(&d[2], static_cast<uint16_t>(d.size()));
  d[8] = 64;
  d[9] = 1;
  wr32(&d[12], kRouter);
  wr32(&d[16], kBox);
  uint8_t* m = &d[20];
  m[0] = type;
  m[1] = code;
  uint8_t* q = m + 8;
  q[0] = 0x45;
  wr16(&q[2], 60);
  q[8] = 63;
  q[9] = quoted_proto;
  wr32(&q[12], kBox);
  wr32(&q[16], kNode);
  if (quoted_tcp >= 8) {
    wr16(&q[20], 49152);
    wr16(&q[22], 443);
    wr32(&q[24], 1000);
  }
  wr16(&m[2], fold(sum16(m, d.size() - 20)));
  return d;
}

TEST(IcmpUnreachable, ReadsTheQuotedConnection) {
  auto d = unreachable(13);
  Unreachable u;
  ASSERT_TRUE(parse_unreachable(d, u).ok());
  EXPECT_EQ(u.code, 13);
  EXPECT_EQ(u.reporter, kRouter);
  EXPECT_EQ(u.quoted_src, kBox);
  EXPECT_EQ(u.quoted_dst, kNode);
  EXPECT_EQ(u.quoted_src_port, 49152);
  EXPECT_EQ(u.quoted_dst_port, 443);
  EXPECT_EQ(u.quoted_seq, 1000u);
}

TEST(IcmpUnreachable, OtherTypesAndProtocolsAreNotOurs) {
  Unreachable u;
  EXPECT_EQ(parse_unreachable(unreachable(0, /*type=*/11), u).code(), StatusCode::kNotFound);  // time exceeded
  EXPECT_EQ(parse_unreachable(unreachable(3, 3, /*quoted_proto=*/17), u).code(), StatusCode::kNotFound);
}

TEST(IcmpUnreachable, AForgedChecksumIsRefused) {
  auto d = unreachable(1);
  d[21] ^= 0x01;  // code 1 -> 0 without fixing the checksum
  Unreachable u;
  EXPECT_EQ(parse_unreachable(d, u).code(), StatusCode::kInvalidArgument);
}

TEST(IcmpUnreachable, TruncatedOrInconsistentLengthsAreDataLoss) {
  Unreachable u;
  auto full = unreachable(3);
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    EXPECT_FALSE(parse_unreachable(cut, u).ok()) << n;
  }
  auto lying = unreachable(3);
  wr16(&lying[2], static_cast<uint16_t>(lying.size() + 1));  // claims more than arrived
  EXPECT_EQ(parse_unreachable(lying, u).code(), StatusCode::kDataLoss);
  // Fewer than the 8 quoted transport bytes RFC 792 promises.
  EXPECT_EQ(parse_unreachable(unreachable(3, 3, 6, /*quoted_tcp=*/4), u).code(), StatusCode::kDataLoss);
  auto not_v4 = unreachable(3);
  not_v4[0] = 0x65;
  EXPECT_EQ(parse_unreachable(not_v4, u).code(), StatusCode::kInvalidArgument);
}

TEST(IcmpUnreachable, OnlyNoPathCodesProveIsolation) {
  for (uint8_t code : {0, 1, 6, 7, 8, 9, 10, 13}) EXPECT_TRUE(proves_no_path(code)) << int(code);
  for (uint8_t code : {2, 3, 4, 5, 11, 12, 14, 15, 200}) EXPECT_FALSE(proves_no_path(code)) << int(code);
  EXPECT_STREQ(code_name(3), "port unreachable");
  EXPECT_STREQ(code_name(13), "administratively prohibited");
  EXPECT_STREQ(code_name(99), "unreachable (unknown code)");
}

}  // namespace
}  // namespace probebox::icmp
