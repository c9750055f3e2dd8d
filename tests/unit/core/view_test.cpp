// The non-throwing string_view slices every firmware parser uses instead of substr.
#include "core/view.h"
#include "core/text.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(View, FirstClampsTheCount) {
  EXPECT_EQ(first("AUTH", 2), "AU");
  EXPECT_EQ(first("AUTH", 4), "AUTH");
  EXPECT_EQ(first("AUTH", 99), "AUTH");
  EXPECT_EQ(first("AUTH", std::string_view::npos), "AUTH");
  EXPECT_EQ(first("", 3), "");
}

TEST(View, HasPrefixNeverReadsPastTheEnd) {
  EXPECT_TRUE(has_prefix("/api/status", "/api/"));
  EXPECT_FALSE(has_prefix("/api", "/api/"));
  EXPECT_TRUE(has_prefix("", ""));
  EXPECT_FALSE(has_prefix("", "h"));
}

TEST(View, AfterPastTheEndIsEmpty) {
  EXPECT_EQ(after("AUTH PLAIN", 5), "PLAIN");
  EXPECT_EQ(after("AUTH", 4), "");
  EXPECT_EQ(after("AUTH", 5), "");  // substr(5) here was abort() on the board
  EXPECT_EQ(after("AUTH", std::string_view::npos), "");
  EXPECT_EQ(after("", 0), "");
}

TEST(View, SliceAndLast) {
  EXPECT_EQ(slice("Sun, 06 Nov 1994", 8, 3), "Nov");
  EXPECT_EQ(slice("Sun", 2, 5), "n");
  EXPECT_EQ(slice("Sun", 7, 1), "");
  EXPECT_EQ(last("/api/testall", 8), "/testall");
  EXPECT_EQ(last("ab", 8), "ab");
  EXPECT_EQ(last("ab", 0), "");
}

TEST(View, SplitAtASeparator) {
  EXPECT_EQ(before_first("PLAIN LOGIN", ' '), "PLAIN");
  EXPECT_EQ(after_first("PLAIN LOGIN", ' '), "LOGIN");
  EXPECT_EQ(before_first("PLAIN", ' '), "PLAIN");
  EXPECT_EQ(after_first("PLAIN", ' '), "");
  EXPECT_EQ(after_first("PLAIN ", ' '), "");
  EXPECT_EQ(before_first(" x", ' '), "");
  static_assert(after("AUTH", 5).empty() && first("AUTH", 9) == "AUTH");
}

// The probes' short texts keep what fits, say that more was offered, and copy by value.
TEST(CompactText, KeepsWhatFitsAndSaysSo) {
  SmallText<5> t;
  EXPECT_TRUE(t.empty());
  t.append("abc");
  t.append('d');
  EXPECT_EQ(t.view(), "abcd");
  EXPECT_FALSE(t.overflowed());
  t.append("efg");
  EXPECT_EQ(t.view(), "abcde");
  EXPECT_TRUE(t.overflowed());
  t.append('x');
  EXPECT_EQ(t.size(), 5u);
  t.truncate(2);
  EXPECT_EQ(t.view(), "ab");
  SmallText<5> copy(t);
  t.assign("z");
  EXPECT_FALSE(t.overflowed());
  EXPECT_EQ(t.view(), "z");
  EXPECT_EQ(copy.view(), "ab");
  copy = t;
  EXPECT_EQ(copy.view(), "z");
  t.clear();
  t.append(std::string_view());
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.capacity(), 5u);
}

}  // namespace
}  // namespace probebox
