#include "core/civil_time.h"

#include <gtest/gtest.h>

#include <string>

namespace probebox {
namespace {

std::string iso(int64_t unix_seconds) {
  FixedText<32> out;
  append_iso8601(out, unix_seconds);
  return std::string(out.view());
}

TEST(CivilTime, EpochAndAKnownInstant) {
  EXPECT_EQ(iso(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso(1795341845), "2026-11-22T10:04:05Z");
}

TEST(CivilTime, LeapDaysAndCenturies) {
  EXPECT_EQ(iso(951782400), "2000-02-29T00:00:00Z");   // 2000 is a leap year (divisible by 400)
  EXPECT_EQ(iso(4107542400), "2100-03-01T00:00:00Z");  // 2100 is not: 28 Feb is followed by 1 Mar
  EXPECT_EQ(iso(1709251199), "2024-02-29T23:59:59Z");
}

TEST(CivilTime, BeforeTheEpochAndPastTheNtpEra) {
  EXPECT_EQ(iso(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(iso(2085978496), "2036-02-07T06:28:16Z");  // NTP era 1 begins
}

}  // namespace
}  // namespace probebox
