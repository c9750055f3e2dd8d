// A large object with static storage duration that must not cost flash: a class
// with default member initialisers (Config, a driver with ring buffers) is
// otherwise emitted into .data, its whole initial image copied from flash at boot.
// Here the storage is zeroed .bss and the object is constructed in place on first
// use (placement, not the heap).
#pragma once
#include <new>

namespace probebox {

template <typename T>
class StaticObject {
 public:
  T& get() {
    if (!constructed_) {
      new (storage_) T();
      constructed_ = true;
    }
    return *std::launder(reinterpret_cast<T*>(storage_));
  }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
  bool constructed_;
};

}  // namespace probebox
