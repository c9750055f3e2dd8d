// Turns a check's host (IPv4 literal or name) into an address through lwIP's DNS
// client and the configured resolvers. lwIP cannot cancel a lookup, so a late
// answer for a probe that gave up is recognised by its name and state and ignored.
#pragma once
#include <string_view>

#include "core/text.h"
#include "lwip/ip_addr.h"

namespace probebox {

class HostResolver {
 public:
  enum class State { kIdle, kPending, kResolved, kFailed };
  using Callback = void (*)(void* owner);

  // Resolves at once for a literal or a cached name; otherwise calls `done(owner)`
  // later from lwIP's DNS callback. `host` must outlive the lookup (a config text:
  // a new config cancels the probes first); it is kept as a view, not copied.
  State start(std::string_view host, void* owner, Callback done);
  // start(), with `done(owner)` called at once too when the answer is known at once:
  // the caller writes one path for a literal, a cached name and a lookup.
  void resolve_then(std::string_view host, void* owner, Callback done) {
    if (start(host, owner, done) != State::kPending) done(owner);
  }
  bool resolved() const { return state_ == State::kResolved; }
  void cancel() { state_ = State::kIdle; }
  State state() const { return state_; }
  const ip_addr_t& address() const { return address_; }
  int64_t lookup_us() const { return lookup_us_; }

 private:
  static void on_found(const char* name, const ip_addr_t* addr, void* arg);

  std::string_view host_;  // to recognise lwIP's answer for this lookup
  ip_addr_t address_{};
  State state_ = State::kIdle;
  void* owner_ = nullptr;
  Callback done_ = nullptr;
  int64_t lookup_us_ = 0;
};

}  // namespace probebox
