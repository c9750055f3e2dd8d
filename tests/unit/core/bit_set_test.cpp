#include "core/bit_set.h"

#include <gtest/gtest.h>

#include <bitset>
#include <random>

namespace probebox {
namespace {

TEST(BitSet, FollowsStdBitsetThroughRandomWrites) {
  // 133: the last word is partly used.
  BitSet<133> ours;
  std::bitset<133> theirs;
  std::mt19937 rng(7);
  for (int n = 0; n < 5000; ++n) {
    const size_t i = rng() % 133;
    const bool on = (rng() & 1) != 0;
    ours.set(i, on);
    theirs.set(i, on);
    const size_t j = rng() % 133;
    ASSERT_EQ(ours.test(j), theirs.test(j)) << "bit " << j << " after " << n << " writes";
  }
  for (size_t i = 0; i < 133; ++i) EXPECT_EQ(ours.test(i), theirs.test(i)) << i;
}

TEST(BitSet, StartsClearAndAnIndexPastTheEndIsFalseAndChangesNothing) {
  BitSet<40> b;
  for (size_t i = 0; i < 40; ++i) EXPECT_FALSE(b.test(i));
  b.set(39);
  b.set(40);
  b.set(1000);
  EXPECT_TRUE(b.test(39));
  EXPECT_FALSE(b.test(40));
  EXPECT_FALSE(b.test(1000));
  b.reset(39);
  for (size_t i = 0; i < 64; ++i) EXPECT_FALSE(b.test(i)) << i;
  static_assert(sizeof(BitSet<128>) == 16, "a bit per flag");
}

}  // namespace
}  // namespace probebox
