// A fixed number of flags, one bit each: a flag per check costs the target's RAM a
// byte as a bool and an eighth of one here. std::bitset would do, but its test()
// throws on a bad index, which firmware code may not; here an index past the end
// reads false and writes nothing.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace probebox {

template <size_t N>
class BitSet {
 public:
  static constexpr size_t size() { return N; }
  bool test(size_t i) const { return i < N && (words_[i / 32] >> (i % 32) & 1u) != 0; }
  void set(size_t i, bool on = true) {
    if (i >= N) return;
    const uint32_t bit = uint32_t{1} << (i % 32);
    words_[i / 32] = on ? words_[i / 32] | bit : words_[i / 32] & ~bit;
  }
  void reset(size_t i) { set(i, false); }

 private:
  std::array<uint32_t, (N + 31) / 32> words_{};
};

}  // namespace probebox
