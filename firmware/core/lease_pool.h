// A fixed pool of N objects lent out one at a time. What only a few of many owners
// need at once (a link's TLS session, a probe's SMTP dialogue, a tls_cert probe's kept
// details) lives here once, not in every owner: the scheduler bounds how many run
// together (PROBEBOX_MAX_TLS_IN_FLIGHT), and an owner that finds the pool empty
// reports it rather than waits. No heap: the objects live as long as the pool.
#pragma once

namespace probebox {

template <typename T, int N>
class LeasePool {
 public:
  static_assert(N >= 1, "a pool lends at least one object");
  static constexpr int kCapacity = N;

  // A free object, or nullptr when all N are lent. The object is as its last
  // borrower left it: the borrower resets what it needs.
  T* lease() {
    for (int i = 0; i < N; ++i) {
      if (leased_[i]) continue;
      leased_[i] = true;
      return &items_[i];
    }
    return nullptr;
  }

  // Takes back an object of this pool; anything else (nullptr included) is ignored.
  void give_back(const T* item) {
    for (int i = 0; i < N; ++i) {
      if (&items_[i] == item) leased_[i] = false;
    }
  }

  int in_use() const {
    int n = 0;
    for (bool leased : leased_) n += leased ? 1 : 0;
    return n;
  }

 private:
  T items_[N]{};
  bool leased_[N] = {};
};

}  // namespace probebox
