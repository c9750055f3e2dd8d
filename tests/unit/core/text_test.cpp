#include "core/text.h"

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <string>

namespace probebox {
namespace {

// append_uint(v, min_digits) against printf's "%0*" PRIu64, the format it replaces
// in the panel and the timestamps.
TEST(TextBuffer, PaddedDecimalIsWhatPrintfWrites) {
  const uint64_t values[] = {0, 1, 7, 9, 10, 59, 99, 100, 999, 1000, 12345, 4294967295ULL, UINT64_MAX / 10,
                             UINT64_MAX};
  for (uint64_t v : values) {
    for (int width = 0; width <= 22; ++width) {
      char expected[32];
      std::snprintf(expected, sizeof expected, "%0*" PRIu64, width, v);
      FixedText<32> out;
      out.append_uint(v, static_cast<size_t>(width));
      EXPECT_EQ(std::string(out.view()), expected) << v << " in " << width;
    }
  }
}

TEST(TextBuffer, PaddedDecimalTruncatesAtCapacityLikeAnyAppend) {
  FixedText<4> out;
  out.append_uint(7, 6);
  EXPECT_EQ(std::string(out.view()), "0000");
  EXPECT_TRUE(out.overflowed());
}

}  // namespace
}  // namespace probebox
