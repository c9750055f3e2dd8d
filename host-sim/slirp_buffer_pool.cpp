#include "slirp_buffer_pool.h"

#include <sys/mman.h>

namespace probebox::sim {

SlirpBufferPool::~SlirpBufferPool() {
  if (base_ != nullptr) munmap(base_, blocks_ * kBlockBytes);
}

bool SlirpBufferPool::reserve() {
  if (base_ != nullptr) return true;
  if (reserve_failed_ || blocks_ == 0) return false;
  // Address space only: a page becomes resident when a connection first writes it.
  void* p = mmap(nullptr, blocks_ * kBlockBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    reserve_failed_ = true;
    return false;
  }
  base_ = static_cast<uint8_t*>(p);
  // Block 0 on top of the stack: the first connections use the lowest blocks.
  for (size_t i = 0; i < blocks_; ++i) free_[i] = static_cast<uint32_t>(blocks_ - 1 - i);
  free_count_ = blocks_;
  return true;
}

bool SlirpBufferPool::contains(const void* p) const {
  const auto* b = static_cast<const uint8_t*>(p);
  return base_ != nullptr && b >= base_ && b < base_ + blocks_ * kBlockBytes;
}

void* SlirpBufferPool::take() {
  if (!reserve() || free_count_ == 0) return nullptr;
  const uint32_t index = free_[--free_count_];
  ++in_use_;
  ++taken_total_;
  if (in_use_ > peak_in_use_) peak_in_use_ = in_use_;
  return base_ + static_cast<size_t>(index) * kBlockBytes;
}

void SlirpBufferPool::give_back(void* p) {
  auto* b = static_cast<uint8_t*>(p);
  const size_t index = static_cast<size_t>(b - base_) / kBlockBytes;
  untrimmed_ |= uint64_t{1} << index;
  free_[free_count_++] = static_cast<uint32_t>(index);
  --in_use_;
}

size_t SlirpBufferPool::trim(int64_t now_ms) {
  if (now_ms - last_trim_ms_ < kTrimIntervalMs) return 0;
  last_trim_ms_ = now_ms;
  size_t trimmed = 0;
  for (size_t i = 0; i < free_count_; ++i) {
    const uint32_t index = free_[i];
    const uint64_t bit = uint64_t{1} << index;
    if ((untrimmed_ & bit) == 0) continue;
    // Pages never touched have no entry to drop: a probe's block unmaps nothing.
    madvise(base_ + static_cast<size_t>(index) * kBlockBytes + kKeptBytes, kBlockBytes - kKeptBytes, MADV_DONTNEED);
    untrimmed_ &= ~bit;
    ++trimmed;
  }
  return trimmed;
}

SlirpBufferPool& slirp_buffer_pool() {
  // Never destroyed: libslirp frees its last sockets from static destructors that
  // may run after this one would.
  static auto* pool = new SlirpBufferPool();
  return *pool;
}

}  // namespace probebox::sim
