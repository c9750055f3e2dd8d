#include "core/lease_pool.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

struct Thing {
  int value = 0;
};

TEST(LeasePool, LendsEachObjectOnceUntilGivenBack) {
  LeasePool<Thing, 2> pool;
  Thing* a = pool.lease();
  Thing* b = pool.lease();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.in_use(), 2);
  EXPECT_EQ(pool.lease(), nullptr) << "all lent";
  a->value = 7;
  pool.give_back(a);
  EXPECT_EQ(pool.in_use(), 1);
  Thing* again = pool.lease();
  EXPECT_EQ(again, a) << "the one given back is lent again";
  EXPECT_EQ(again->value, 7) << "as its last borrower left it";
}

TEST(LeasePool, GivingBackWhatItDidNotLendChangesNothing) {
  LeasePool<Thing, 1> pool;
  Thing outside;
  Thing* a = pool.lease();
  ASSERT_NE(a, nullptr);
  pool.give_back(&outside);
  pool.give_back(nullptr);
  EXPECT_EQ(pool.in_use(), 1);
  EXPECT_EQ(pool.lease(), nullptr);
  pool.give_back(a);
  pool.give_back(a);  // twice: still one free object
  EXPECT_EQ(pool.in_use(), 0);
  EXPECT_NE(pool.lease(), nullptr);
  EXPECT_EQ(pool.lease(), nullptr);
}

}  // namespace
}  // namespace probebox
