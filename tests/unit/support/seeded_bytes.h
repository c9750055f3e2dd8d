// A fixed sequence of bytes from a seed, for tests that sweep many inputs: a failure
// names inputs that come back on the next run.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace probebox::test {

struct SeededBytes {
  uint64_t state;
  explicit SeededBytes(uint64_t seed) : state(seed) {}
  uint8_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint8_t>(state >> 56);
  }
  std::vector<uint8_t> take(size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = next();
    return v;
  }
};

}  // namespace probebox::test
