#include "net/host_resolver.h"

#include "lwip/dns.h"

namespace probebox {

HostResolver::State HostResolver::start(std::string_view host, void* owner, Callback done) {
  host_ = host;
  owner_ = owner;
  done_ = done;
  FixedText<253> name(host);  // lwIP reads a C string; it copies the name it looks up
  if (name.overflowed()) return state_ = State::kFailed;
  if (ipaddr_aton(name.c_str(), &address_)) return state_ = State::kResolved;
  state_ = State::kPending;
  err_t err = dns_gethostbyname(name.c_str(), &address_, on_found, this);
  if (err == ERR_OK) return state_ = State::kResolved;
  if (err != ERR_INPROGRESS) return state_ = State::kFailed;
  return state_;
}

void HostResolver::on_found(const char* name, const ip_addr_t* addr, void* arg) {
  auto* self = static_cast<HostResolver*>(arg);
  if (self->state_ != State::kPending || name == nullptr || self->host_ != name) return;
  if (addr != nullptr) {
    self->address_ = *addr;
    self->state_ = State::kResolved;
  } else {
    self->state_ = State::kFailed;
  }
  if (self->done_ != nullptr) self->done_(self->owner_);
}

}  // namespace probebox
