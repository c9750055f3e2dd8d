// The ASCII helpers every protocol parser shares: case folding that ignores the
// locale and anything past ASCII, and fixed-width decimal fields that never read
// past the text.
#include "core/ascii.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(Ascii, LowerFoldsOnlyAsciiCapitals) {
  EXPECT_EQ(ascii_lower('A'), 'a');
  EXPECT_EQ(ascii_lower('Z'), 'z');
  EXPECT_EQ(ascii_lower('a'), 'a');
  EXPECT_EQ(ascii_lower('@'), '@');  // just before 'A'
  EXPECT_EQ(ascii_lower('['), '[');  // just after 'Z'
  EXPECT_EQ(ascii_lower('-'), '-');
  EXPECT_EQ(ascii_lower(static_cast<char>(0xC4)), static_cast<char>(0xC4));  // Latin-1 'Ä' stays
}

TEST(Ascii, EqualsIgnoreCaseNeedsTheSameLength) {
  EXPECT_TRUE(equals_ignore_case("Content-Length", "content-length"));
  EXPECT_TRUE(equals_ignore_case("MANAGE.Example.COM", "manage.example.com"));
  EXPECT_TRUE(equals_ignore_case("", ""));
  EXPECT_FALSE(equals_ignore_case("Host", "Hos"));
  EXPECT_FALSE(equals_ignore_case("Host", "Hosts"));
  EXPECT_FALSE(equals_ignore_case("@", "`"));  // 0x40 and 0x60 differ by the case bit, not letters
}

TEST(Ascii, PrefixIgnoringCaseNeverReadsPastTheEnd) {
  EXPECT_TRUE(has_prefix_ignore_case("HTTPS://manage.example.com/", "https://"));
  EXPECT_TRUE(has_prefix_ignore_case("anything", ""));
  EXPECT_FALSE(has_prefix_ignore_case("http", "https://"));
  EXPECT_FALSE(has_prefix_ignore_case("", "h"));
}

TEST(Ascii, DecimalFieldTakesExactlyItsDigits) {
  int v = -1;
  EXPECT_TRUE(read_decimal_field("2026-12-06T02:15:00Z", 0, 4, v));
  EXPECT_EQ(v, 2026);
  EXPECT_TRUE(read_decimal_field("2026-12-06T02:15:00Z", 11, 2, v));
  EXPECT_EQ(v, 2);
  EXPECT_TRUE(read_decimal_field("007", 0, 3, v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(read_decimal_field("999999999", 0, 9, v));
  EXPECT_EQ(v, 999999999);
}

TEST(Ascii, DecimalFieldRefusesWhatIsNotAllDigitsOrNotThere) {
  int v = 0;
  EXPECT_FALSE(read_decimal_field("2026-12", 3, 2, v));  // '6-'
  EXPECT_FALSE(read_decimal_field("12", 1, 2, v));       // runs past the end
  EXPECT_FALSE(read_decimal_field("12", 3, 1, v));       // starts past the end
  EXPECT_FALSE(read_decimal_field("12", 0, 0, v));       // an empty field is no number
  EXPECT_FALSE(read_decimal_field("1234567890", 0, 10, v));  // more than an int surely holds
  EXPECT_FALSE(read_decimal_field(" 1", 0, 2, v));
  EXPECT_FALSE(read_decimal_field("+1", 0, 2, v));
}

TEST(Ascii, TrimBlanksTakesOnlySpacesAndTabsAround) {
  EXPECT_EQ(trim_blanks(" \t close \t"), "close");
  EXPECT_EQ(trim_blanks("keep alive"), "keep alive");
  EXPECT_EQ(trim_blanks(" \t "), "");
  EXPECT_EQ(trim_blanks("\rclose\n"), "\rclose\n");
}

TEST(Ascii, ListHasTokenFindsAWholeTokenAnywhereInTheList) {
  EXPECT_TRUE(list_has_token("close", "close"));
  EXPECT_TRUE(list_has_token("Keep-Alive, CLOSE", "close"));
  EXPECT_TRUE(list_has_token("upgrade ,\tclose\t, te", "close"));
  EXPECT_FALSE(list_has_token("closed, unclose", "close"));
  EXPECT_FALSE(list_has_token("", "close"));
  EXPECT_FALSE(list_has_token(",,", "close"));
  EXPECT_FALSE(list_has_token("keep-alive", "close"));
}

static_assert(equals_ignore_case("GMT", "gmt"), "usable in constant expressions");
static_assert(list_has_token("te, close", "close"), "usable in constant expressions");

}  // namespace
}  // namespace probebox
