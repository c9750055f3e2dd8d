#include "core/civil_time.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <time.h>

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

// Every instant of a sweep over years 1000-9999, against the C library's own
// calendar (gmtime_r and strftime), which shares no code with ours.
// The instants both sweeps below compare with the C library's calendar.
constexpr int64_t kSweepFirst = -30'000'000'000;   // the year 1019
constexpr int64_t kSweepLast = 250'000'000'000;    // the year 9892
constexpr int64_t kSweepStep = 86'399 * 397 + 3'607;  // moves the day, the hour, the minute and the second

TEST(CivilTime, ASweepOfInstantsIsTheCLibrarysCalendar) {
  int compared = 0;
  for (int64_t t = kSweepFirst; t <= kSweepLast; t += kSweepStep) {
    time_t tt = static_cast<time_t>(t);
    tm parts{};
    ASSERT_NE(gmtime_r(&tt, &parts), nullptr);
    char expected[32];
    ASSERT_GT(strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &parts), 0u);
    ASSERT_EQ(iso(t), expected) << t;
    ++compared;
  }
  EXPECT_GT(compared, 8000);
}

TEST(CivilTime, YearsOutsideFourDigitsAreWrittenAsPrintfWould) {
  EXPECT_EQ(iso(253402300800), "10000-01-01T00:00:00Z");
  EXPECT_EQ(iso(-62198755200), "-001-01-01T00:00:00Z");  // 2 BC, proleptic Gregorian
}

TEST(CivilTime, KnownDatesToUnixSeconds) {
  EXPECT_EQ(unix_seconds_from_civil(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(unix_seconds_from_civil(1969, 12, 31, 23, 59, 59), -1);
  EXPECT_EQ(unix_seconds_from_civil(2026, 11, 22, 10, 4, 5), 1795341845);
  EXPECT_EQ(unix_seconds_from_civil(2000, 2, 29, 0, 0, 0), 951782400);
  EXPECT_EQ(unix_seconds_from_civil(2100, 3, 1, 0, 0, 0), 4107542400);
  // Past 32-bit time: a certificate valid until 2049 is common among roots.
  EXPECT_EQ(unix_seconds_from_civil(2038, 1, 19, 3, 14, 8), int64_t{1} << 31);
  EXPECT_EQ(unix_seconds_from_civil(9999, 12, 31, 23, 59, 59), 253402300799);
  EXPECT_EQ(unix_seconds_from_civil(-1, 1, 1, 0, 0, 0), -62198755200);  // 2 BC, as append_iso8601 writes it
}

// The sweep above the other way: each instant's fields from the C library's calendar
// (gmtime_r) give back the instant.
TEST(CivilTime, TheCLibrarysFieldsGiveBackTheInstant) {
  int compared = 0;
  for (int64_t t = kSweepFirst; t <= kSweepLast; t += kSweepStep) {
    time_t tt = static_cast<time_t>(t);
    tm parts{};
    ASSERT_NE(gmtime_r(&tt, &parts), nullptr);
    ASSERT_EQ(unix_seconds_from_civil(int64_t{parts.tm_year} + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                                      parts.tm_min, parts.tm_sec),
              t);
    ++compared;
  }
  EXPECT_GT(compared, 8000);
}

TEST(CivilTime, TimeOfDayIsTwoDigitsEach) {
  const std::pair<uint32_t, const char*> cases[] = {{0, "00:00:00"}, {3661, "01:01:01"}, {45296, "12:34:56"},
                                                    {86399, "23:59:59"}};
  for (const auto& [seconds, expected] : cases) {
    FixedText<16> out;
    append_hh_mm_ss(out, seconds);
    EXPECT_EQ(std::string(out.view()), expected) << seconds;
  }
}

}  // namespace
}  // namespace probebox
