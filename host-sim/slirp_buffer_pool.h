// Blocks kept for libslirp's socket buffers, so a forwarded connection does not map
// and unmap memory.
//
// libslirp gives every TCP connection it forwards two 128 KiB socket buffers
// (sbreserve: g_realloc from nothing, then again rounded up to a multiple of the
// MSS; sbfree: g_free). Blocks that large glibc maps on their own and unmaps when
// freed: 44 mmap and 45 munmap a steady cycle of the demo profile. On the virtual
// machines this runs on, the unmap's TLB shootdown and the first touch of the fresh
// pages were a fifth to a quarter of the simulator's steady CPU (perf, the bench's
// kernel phase). The pool reserves its blocks once and hands the same ones out
// again. A returned block's pages past its first ones (the ring's start, which the
// next connection writes first) go back to the kernel once a minute, all blocks at
// once (trim): a connection that moved much data leaves no lasting resident pages,
// and a probe's connection, which never gets past the first pages, costs no system
// call (one madvise per returned block was 44 a steady cycle).
//
// Single-threaded by design, like the simulator's loop that drives libslirp:
// contains() is safe from any thread, take() and give_back() are not.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace probebox::sim {

class SlirpBufferPool {
 public:
  // libslirp's buffers are 128 KiB (TCP_SNDSPACE, TCP_RCVSPACE) rounded up to a
  // multiple of the MSS (below 1.5 KiB on the simulator's Ethernet); nothing else
  // in the process asks for a block of that size.
  static constexpr size_t kSmallestBytes = 128 * 1024;
  static constexpr size_t kBlockBytes = 136 * 1024;
  // Kept resident when a block comes back: what a probe's connection writes.
  static constexpr size_t kKeptBytes = 16 * 1024;

  // Enough for 32 connections at once; past that (a --once of many checks starts
  // them all together), blocks come from glibc as before.
  static constexpr size_t kMaxBlocks = 64;  // one bit each in untrimmed_

  explicit SlirpBufferPool(size_t blocks = kMaxBlocks) : blocks_(blocks < kMaxBlocks ? blocks : kMaxBlocks) {}
  ~SlirpBufferPool();
  SlirpBufferPool(const SlirpBufferPool&) = delete;
  SlirpBufferPool& operator=(const SlirpBufferPool&) = delete;

  static constexpr bool fits(size_t bytes) { return bytes >= kSmallestBytes && bytes <= kBlockBytes; }
  bool contains(const void* p) const;
  // A free block, or nullptr when all are out (or the reservation failed): the
  // caller then allocates as before.
  void* take();
  void give_back(void* p);
  // Past kTrimIntervalMs since the last trim: every free block returned since gives
  // back its pages past kKeptBytes. The number of blocks trimmed.
  size_t trim(int64_t now_ms);
  static constexpr int64_t kTrimIntervalMs = 60'000;

  size_t in_use() const { return in_use_; }
  size_t peak_in_use() const { return peak_in_use_; }
  size_t taken_total() const { return taken_total_; }

 private:
  bool reserve();

  const size_t blocks_;
  uint8_t* base_ = nullptr;
  bool reserve_failed_ = false;
  // Free blocks as a stack of indices: the last returned is reused first, so the
  // pages in use stay the same few.
  std::array<uint32_t, kMaxBlocks> free_{};
  size_t free_count_ = 0;
  uint64_t untrimmed_ = 0;  // blocks returned since the last trim, one bit each
  int64_t last_trim_ms_ = 0;
  size_t in_use_ = 0;
  size_t peak_in_use_ = 0;
  size_t taken_total_ = 0;
};

// The process's pool, used by the g_realloc/g_free that libslirp calls
// (slirp_buffer_interpose.cpp, linked into probebox-sim only).
SlirpBufferPool& slirp_buffer_pool();

}  // namespace probebox::sim
