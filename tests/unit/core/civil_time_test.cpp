#include "core/civil_time.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>
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

// Instants over years 1019-9892 that move the day, the hour, the minute and the
// second, each with its fields from the C library's own calendar (gmtime_r), which
// shares no code with ours.
struct SweptInstant {
  int64_t unix_seconds;
  tm parts;
};
std::vector<SweptInstant> swept_instants() {
  std::vector<SweptInstant> out;
  for (int64_t t = -30'000'000'000; t <= 250'000'000'000; t += 86'399 * 397 + 3'607) {
    time_t tt = static_cast<time_t>(t);
    SweptInstant s{t, {}};
    if (gmtime_r(&tt, &s.parts) == nullptr) ADD_FAILURE() << "gmtime_r refused " << t;
    out.push_back(s);
  }
  return out;
}

// Every swept instant is written as the C library writes it (strftime).
TEST(CivilTime, ASweepOfInstantsIsTheCLibrarysCalendar) {
  const std::vector<SweptInstant> instants = swept_instants();
  for (const SweptInstant& s : instants) {
    char expected[32];
    ASSERT_GT(strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &s.parts), 0u);
    ASSERT_EQ(iso(s.unix_seconds), expected) << s.unix_seconds;
  }
  EXPECT_GT(instants.size(), 8000u);
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

// The sweep the other way: each swept instant's fields give back the instant.
TEST(CivilTime, TheCLibrarysFieldsGiveBackTheInstant) {
  const std::vector<SweptInstant> instants = swept_instants();
  for (const SweptInstant& s : instants) {
    const tm& p = s.parts;
    ASSERT_EQ(unix_seconds_from_civil(int64_t{p.tm_year} + 1900, p.tm_mon + 1, p.tm_mday, p.tm_hour, p.tm_min, p.tm_sec),
              s.unix_seconds);
  }
  EXPECT_GT(instants.size(), 8000u);
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
