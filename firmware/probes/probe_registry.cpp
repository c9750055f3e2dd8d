#include "probes/probe_registry.h"

#include <cstddef>
#include <algorithm>
#include <iterator>
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

// One row of the factory: the kind and the class that probes it.
template <CheckType K, typename T>
struct Row {
  static constexpr ProbeKind kind{K, construct_in<T>, destroy_as<T>};
  static constexpr size_t size = sizeof(T);
  static constexpr size_t align = alignof(T);
};

// The factory half of the kind table (core/check_types.h holds the rest),
// indexed by the same CheckType: the slot size and alignment come from this one list.
template <typename... R>
struct Factory {
  static constexpr ProbeKind kinds[] = {R::kind...};
  static constexpr size_t slot_bytes = std::max({R::size...});
  static constexpr size_t slot_align = std::max({R::align...});
};
using Kinds = Factory<Row<CheckType::kTcp, TcpProbe>,
                      Row<CheckType::kDns, DnsProbe>,
                      Row<CheckType::kHttp, HttpProbe>,
                      Row<CheckType::kTlsCert, TlsCertProbe>,
                      Row<CheckType::kSmtp, SmtpProbe>,
                      Row<CheckType::kNtp, NtpProbe>>;

static_assert(std::size(Kinds::kinds) == kCheckTypeCount, "a probe class for every CheckType");
constexpr bool rows_in_enum_order() {
  for (size_t i = 0; i < std::size(Kinds::kinds); ++i) {
    if (static_cast<size_t>(Kinds::kinds[i].type) != i) return false;
  }
  return true;
}
static_assert(rows_in_enum_order(), "the row of a CheckType is at its index");

constexpr size_t kSlotBytes = Kinds::slot_bytes;
constexpr size_t kSlotAlign = Kinds::slot_align;

struct SlotStorage {
  alignas(kSlotAlign) unsigned char bytes[kSlotBytes];
  const ProbeKind* kind;
  Probe* probe;
};

SlotStorage g_slots[ProbePool::kSlots];

const ProbeKind* find_kind(CheckType type) {
  const auto i = static_cast<size_t>(type);
  return i < std::size(Kinds::kinds) ? &Kinds::kinds[i] : nullptr;
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
