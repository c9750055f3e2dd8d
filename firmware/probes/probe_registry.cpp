#include "probes/probe_registry.h"

#include <cstddef>
#include <algorithm>
#include <new>

#include "probes/dns_probe.h"
#include "probes/http_probe.h"
#include "probes/ntp_probe.h"
#include "probes/smtp_probe.h"
#include "probes/tcp_probe.h"
#include "probes/tls_cert_probe.h"

namespace probebox {
namespace {

struct ProbeKind {
  CheckType type;
  Probe* (*construct)(void* storage);
  void (*destroy)(Probe* probe);
};

template <typename T>
Probe* construct_in(void* storage) { return new (storage) T(); }
template <typename T>
void destroy_as(Probe* probe) { static_cast<T*>(probe)->~T(); }

// Types not listed here report "unknown: not built into this firmware".
constexpr ProbeKind kKinds[] = {
    {CheckType::kTcp, construct_in<TcpProbe>, destroy_as<TcpProbe>},
    {CheckType::kNtp, construct_in<NtpProbe>, destroy_as<NtpProbe>},
    {CheckType::kDns, construct_in<DnsProbe>, destroy_as<DnsProbe>},
    {CheckType::kHttp, construct_in<HttpProbe>, destroy_as<HttpProbe>},
    {CheckType::kTlsCert, construct_in<TlsCertProbe>, destroy_as<TlsCertProbe>},
    {CheckType::kSmtp, construct_in<SmtpProbe>, destroy_as<SmtpProbe>},
};

template <typename... T>
constexpr size_t max_size() { return std::max({sizeof(T)...}); }
template <typename... T>
constexpr size_t max_align() { return std::max({alignof(T)...}); }
constexpr size_t kSlotBytes = max_size<TcpProbe, NtpProbe, DnsProbe, HttpProbe, TlsCertProbe, SmtpProbe>();
constexpr size_t kSlotAlign = max_align<TcpProbe, NtpProbe, DnsProbe, HttpProbe, TlsCertProbe, SmtpProbe>();

struct SlotStorage {
  alignas(kSlotAlign) unsigned char bytes[kSlotBytes];
  const ProbeKind* kind;
  Probe* probe;
};

SlotStorage g_slots[ProbePool::kSlots];

const ProbeKind* find_kind(CheckType type) {
  for (const ProbeKind& k : kKinds) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

}  // namespace

bool ProbePool::type_available(CheckType type) { return find_kind(type) != nullptr; }

Probe* ProbePool::acquire(CheckType type) {
  const ProbeKind* kind = find_kind(type);
  if (kind == nullptr) return nullptr;
  for (SlotStorage& slot : g_slots) {
    if (slot.probe != nullptr) continue;
    slot.kind = kind;
    slot.probe = kind->construct(slot.bytes);
    if (++in_use_ > high_water_) high_water_ = in_use_;
    return slot.probe;
  }
  return nullptr;
}

void ProbePool::release(Probe* probe) {
  for (SlotStorage& slot : g_slots) {
    if (slot.probe != probe || probe == nullptr) continue;
    slot.kind->destroy(probe);
    slot.probe = nullptr;
    --in_use_;
    return;
  }
}

}  // namespace probebox
