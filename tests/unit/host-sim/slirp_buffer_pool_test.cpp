// The blocks kept for libslirp's socket buffers: only its buffers' size is served,
// a returned block is the next one handed out, a full pool says so (the caller then
// allocates as before), and a returned block keeps no more than its first pages
// once the next trim has come.
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

TEST(SlirpBufferPool, AReturnedBlockKeepsOnlyItsFirstPagesResidentAfterTheNextTrim) {
  SlirpBufferPool pool(2);
  auto* block = static_cast<unsigned char*>(pool.take());
  auto* busy = static_cast<unsigned char*>(pool.take());
  ASSERT_NE(block, nullptr);
  ASSERT_NE(busy, nullptr);
  std::memset(block, 0xA5, SlirpBufferPool::kBlockBytes);  // a connection that filled its ring
  std::memset(busy, 0x5A, SlirpBufferPool::kBlockBytes);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t all = SlirpBufferPool::kBlockBytes / page, kept = SlirpBufferPool::kKeptBytes / page;
  EXPECT_EQ(pool.trim(SlirpBufferPool::kTrimIntervalMs), 0u) << "nothing returned yet";
  pool.give_back(block);
  EXPECT_EQ(resident_pages(block, SlirpBufferPool::kBlockBytes), all) << "no system call at the return itself";
  EXPECT_EQ(pool.trim(2 * SlirpBufferPool::kTrimIntervalMs - 1), 0u) << "within the interval of the last trim";
  EXPECT_EQ(resident_pages(block, SlirpBufferPool::kBlockBytes), all);
  EXPECT_EQ(pool.trim(2 * SlirpBufferPool::kTrimIntervalMs), 1u);
  EXPECT_EQ(resident_pages(block, SlirpBufferPool::kBlockBytes), kept);
  EXPECT_EQ(resident_pages(busy, SlirpBufferPool::kBlockBytes), all) << "a block in use is never trimmed";
  // The kept start is still the same memory; the rest reads as fresh zero pages.
  EXPECT_EQ(block[0], 0xA5);
  EXPECT_EQ(block[SlirpBufferPool::kKeptBytes], 0);
  // Trimmed once: the next trim leaves it, and the busy block's turn comes once returned.
  pool.give_back(busy);
  EXPECT_EQ(pool.trim(3 * SlirpBufferPool::kTrimIntervalMs), 1u);
  EXPECT_EQ(resident_pages(busy, SlirpBufferPool::kBlockBytes), kept);
}

}  // namespace
}  // namespace probebox::sim
