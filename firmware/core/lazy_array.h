// A fixed-capacity table whose elements are constructed when they come into use
// (reset(i)), not when the table is. Tables are sized for the board's maximum —
// 5000 checks in the simulator — but a config uses a few dozen rows: constructing
// them all wrote every page, and on a host every written page is resident. On the
// target nothing changes (start-up zeroes .bss either way). Reading a row that was
// never reset is a bug, as it would be for any unused slot.
#pragma once
#include <cstddef>
#include <new>
#include <type_traits>

namespace probebox {

template <typename T, size_t N>
class LazyArray {
  static_assert(std::is_trivially_destructible_v<T>, "rows are overwritten in place, never destroyed");

 public:
  LazyArray() {}  // deliberately leaves the storage alone
  LazyArray(const LazyArray&) = delete;
  LazyArray& operator=(const LazyArray&) = delete;

  static constexpr size_t size() { return N; }
  T* data() { return std::launder(reinterpret_cast<T*>(storage_)); }
  const T* data() const { return std::launder(reinterpret_cast<const T*>(storage_)); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }

  // Row i, freshly constructed.
  T& reset(size_t i) { return *new (storage_ + i * sizeof(T)) T(); }
  // Rows [0, count) of another table, copied; the rest stay untouched.
  void copy_rows(const LazyArray& from, size_t count) {
    for (size_t i = 0; i < count; ++i) new (storage_ + i * sizeof(T)) T(from[i]);
  }

 private:
  alignas(T) unsigned char storage_[sizeof(T) * N];
};

}  // namespace probebox
