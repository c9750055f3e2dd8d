// The SMTP reply parser against hostile relays: bounds, and telling which bound broke.
#include "protocols/smtp_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace probebox::smtp {
namespace {

Status feed_all(ReplyParser& p, std::string_view s, size_t& used) {
  return p.feed({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, used);
}

TEST(SmtpReply, EndlessBannerLineIsTooLongNotTooManyLines) {
  ReplyParser p;
  size_t used = 0;
  EXPECT_FALSE(p.started());
  EXPECT_EQ(feed_all(p, "220 " + std::string(2000, 'z'), used).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(p.started());
  EXPECT_FALSE(p.too_many_lines());
}

TEST(SmtpReply, EndlessMultiLineReplyIsTooManyLines) {
  ReplyParser p;
  size_t used = 0;
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += "220-still talking\r\n";
  EXPECT_EQ(feed_all(p, lines, used).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(p.too_many_lines());
}

TEST(SmtpReply, GarbageIsMalformed) {
  ReplyParser p;
  size_t used = 0;
  EXPECT_EQ(feed_all(p, std::string("\x00\x01\xff\xfe garbage\r\n", 14), used).code(), StatusCode::kDataLoss);
  ReplyParser slow;
  ASSERT_TRUE(feed_all(slow, "22", used).ok());
  EXPECT_TRUE(slow.started());
  EXPECT_FALSE(slow.done());
}

}  // namespace
}  // namespace probebox::smtp
