// The blocks kept for libslirp's socket buffers: only its buffers' size is served,
// a returned block is the next one handed out, a full pool says so (the caller then
// allocates as before), and a returned block keeps no more than its first pages.
#include "slirp_buffer_pool.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace probebox::sim {
namespace {

size_t resident_pages(const void* p, size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in_core((bytes + page - 1) / page);
  if (mincore(const_cast<void*>(p), bytes, in_core.data()) != 0) return SIZE_MAX;
  size_t n = 0;
  for (unsigned char c : in_core) n += c & 1;
  return n;
}

TEST(SlirpBufferPool, ServesOnlyLibslirpsSocketBufferSizes) {
  EXPECT_TRUE(SlirpBufferPool::fits(128 * 1024));           // TCP_SNDSPACE before the MSS is known
  EXPECT_TRUE(SlirpBufferPool::fits(131400));  // then rounded up to a multiple of a 1460-byte MSS
  EXPECT_FALSE(SlirpBufferPool::fits(128 * 1024 - 1));
  EXPECT_FALSE(SlirpBufferPool::fits(SlirpBufferPool::kBlockBytes + 1));
  EXPECT_FALSE(SlirpBufferPool::fits(0));
}

TEST(SlirpBufferPool, AReturnedBlockIsTheNextOneHandedOut) {
  SlirpBufferPool pool(4);
  void* a = pool.take();
  void* b = pool.take();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_TRUE(pool.contains(a));
  EXPECT_TRUE(pool.contains(static_cast<char*>(b) + SlirpBufferPool::kBlockBytes - 1));
  EXPECT_EQ(pool.in_use(), 2u);
  pool.give_back(a);
  EXPECT_EQ(pool.take(), a);
  EXPECT_EQ(pool.peak_in_use(), 2u);
  EXPECT_EQ(pool.taken_total(), 3u);
}

TEST(SlirpBufferPool, AFullPoolHandsOutNothingAndKnowsNoOtherMemory) {
  SlirpBufferPool pool(2);
  void* a = pool.take();
  void* b = pool.take();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(pool.take(), nullptr);
  int elsewhere = 0;
  EXPECT_FALSE(pool.contains(&elsewhere));
  EXPECT_FALSE(pool.contains(nullptr));
  EXPECT_FALSE(pool.contains(static_cast<char*>(b) + SlirpBufferPool::kBlockBytes));
  pool.give_back(b);
  EXPECT_EQ(pool.take(), b);
}

TEST(SlirpBufferPool, ANewPoolContainsNothing) {
  SlirpBufferPool pool(2);
  int x = 0;
  EXPECT_FALSE(pool.contains(&x));
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(SlirpBufferPool, AReturnedBlockKeepsOnlyItsFirstPagesResident) {
  SlirpBufferPool pool(1);
  auto* block = static_cast<unsigned char*>(pool.take());
  ASSERT_NE(block, nullptr);
  std::memset(block, 0xA5, SlirpBufferPool::kBlockBytes);  // a connection that filled its ring
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  EXPECT_EQ(resident_pages(block, SlirpBufferPool::kBlockBytes), SlirpBufferPool::kBlockBytes / page);
  pool.give_back(block);
  EXPECT_EQ(resident_pages(block, SlirpBufferPool::kBlockBytes), SlirpBufferPool::kKeptBytes / page);
  // The kept start is still the same memory; the rest reads as fresh zero pages.
  EXPECT_EQ(block[0], 0xA5);
  EXPECT_EQ(block[SlirpBufferPool::kKeptBytes], 0);
}

}  // namespace
}  // namespace probebox::sim
