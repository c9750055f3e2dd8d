// The SMTP reply parser against hostile relays: bounds, and telling which bound broke.
#include "protocols/smtp_reply.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// Feeds one whole reply; it must be taken entirely and complete.
void expect_reply(ReplyParser& p, std::string_view reply) {
  size_t used = 0;
  ASSERT_TRUE(feed_all(p, reply, used).ok()) << reply;
  EXPECT_EQ(used, reply.size()) << reply;
  EXPECT_TRUE(p.done()) << reply;
  EXPECT_EQ(p.code(), 250) << reply;
}

// "AUTH" with nothing after it once made the parser slice past the end of the line:
// with -fno-exceptions that was abort(), on the board a reset every cycle.
TEST(SmtpReply, BareAuthLastLineListsNothing) {
  for (std::string_view reply : {"250 AUTH\r\n", "250 AUTH\n", "250 auth\r\n", "250 AUTH=\r\n", "250 AUTH \r\n"}) {
    ReplyParser p;
    expect_reply(p, reply);
    EXPECT_EQ(p.auth_mechanisms(), "") << reply;
    EXPECT_FALSE(p.auth_plain()) << reply;
  }
}

TEST(SmtpReply, BareAuthMiddleLineListsNothing) {
  ReplyParser p;
  expect_reply(p, "250-relay.example.net\r\n250-AUTH\r\n250-STARTTLS\r\n250 OK\r\n");
  EXPECT_EQ(p.auth_mechanisms(), "");
  EXPECT_FALSE(p.auth_plain());
  EXPECT_TRUE(p.starttls());
  ReplyParser q;
  expect_reply(q, "250-AUTH\r\n250 OK\r\n");
  EXPECT_EQ(q.auth_mechanisms(), "");
  EXPECT_EQ(q.first_line(), "AUTH");
}

TEST(SmtpReply, AuthMechanismsInEveryForm) {
  ReplyParser p;
  expect_reply(p, "250-mail.example.org Hello probebox\r\n250-AUTH=PLAIN LOGIN\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
                  "250 8BITMIME\r\n");
  EXPECT_EQ(p.auth_mechanisms(), "PLAIN LOGIN CRAM-MD5");  // each once, in order
  EXPECT_TRUE(p.auth_plain());
  EXPECT_FALSE(p.starttls());

  ReplyParser lower;
  expect_reply(lower, "250-relay\r\n250-starttls\r\n250 auth login plain\r\n");
  EXPECT_EQ(lower.auth_mechanisms(), "LOGIN PLAIN");
  EXPECT_TRUE(lower.auth_plain());
  EXPECT_TRUE(lower.starttls());

  ReplyParser spaced;
  expect_reply(spaced, "250 AUTH  LOGIN   XOAUTH2 login\r\n");
  EXPECT_EQ(spaced.auth_mechanisms(), "LOGIN XOAUTH2");
  EXPECT_FALSE(spaced.auth_plain());
}

TEST(SmtpReply, PlainIsAWholeMechanismName) {
  ReplyParser p;
  expect_reply(p, "250 AUTH PLAINTEXT LOGIN\r\n");
  EXPECT_FALSE(p.auth_plain());
  EXPECT_EQ(p.auth_mechanisms(), "PLAINTEXT LOGIN");
  ReplyParser q;
  expect_reply(q, "250 AUTHX PLAIN\r\n");  // not the AUTH keyword
  EXPECT_FALSE(q.auth_plain());
  EXPECT_EQ(q.auth_mechanisms(), "");
}

TEST(SmtpReply, MechanismListIsCutAtAWholeName) {
  std::string line = "250 AUTH";
  for (int i = 0; i < 20; ++i) line += " MECHANISM-" + std::to_string(i);
  line += " PLAIN\r\n";
  ReplyParser p;
  expect_reply(p, line);
  std::string_view list = p.auth_mechanisms();
  EXPECT_LE(list.size(), 96u);
  EXPECT_GT(list.size(), 80u);
  // Every name kept is one the relay sent, whole.
  int kept = 0;
  for (size_t start = 0; start < list.size(); ++kept) {
    size_t end = std::min(list.find(' ', start), list.size());
    std::string name(list.substr(start, end - start));
    EXPECT_EQ(name, "MECHANISM-" + std::to_string(kept));
    start = end + 1;
  }
  EXPECT_GT(kept, 5);
  EXPECT_TRUE(p.auth_plain());  // seen even when the list had no room for it
}

TEST(SmtpReply, ShortLinesAndCodeMismatch) {
  ReplyParser p;
  expect_reply(p, "250\r\n");
  EXPECT_EQ(p.first_line(), "");
  ReplyParser q;
  expect_reply(q, "250 \r\n");
  EXPECT_EQ(q.first_line(), "");
  ReplyParser r;
  size_t used = 0;
  EXPECT_EQ(feed_all(r, "250-a\r\n251 b\r\n", used).code(), StatusCode::kDataLoss);
  ReplyParser s;
  EXPECT_EQ(feed_all(s, "250xAUTH\r\n", used).code(), StatusCode::kDataLoss);
  ReplyParser t;
  EXPECT_EQ(feed_all(t, "25\r\n", used).code(), StatusCode::kDataLoss);
}

TEST(SmtpReply, OneFeedStopsAtTheEndOfAReply) {
  ReplyParser p;
  std::string_view two = "220 relay ESMTP\r\n250 AUTH\r\n";
  size_t used = 0;
  ASSERT_TRUE(feed_all(p, two, used).ok());
  EXPECT_EQ(used, 17u);
  EXPECT_EQ(p.code(), 220);
  p.reset();
  expect_reply(p, two.substr(used));
}

TEST(SmtpReply, AuthPlainResponse) {
  FixedText<400> out;
  ASSERT_TRUE(auth_plain_response("user", "secret", out).ok());
  EXPECT_EQ(out.view(), "AHVzZXIAc2VjcmV0");  // base64("\0user\0secret")
  FixedText<400> bad;
  EXPECT_FALSE(auth_plain_response("user", "sec\r\nret", bad).ok());
  EXPECT_FALSE(auth_plain_response(std::string(300, 'u'), "p", bad).ok());
}

}  // namespace
}  // namespace probebox::smtp
