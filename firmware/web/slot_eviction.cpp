#include "web/slot_eviction.h"

namespace probebox {
namespace {

constexpr int kKept = 3;

int eviction_class(const SlotFacts& s) {
  if (s.parked) return 0;
  if (s.incomplete) return 1;
  if (s.stalled_reader) return 2;
  return kKept;
}

}  // namespace

int slot_to_reuse(const SlotFacts* slots, size_t count) {
  int best = -1;
  int best_class = kKept;
  for (size_t i = 0; i < count; ++i) {
    const SlotFacts& s = slots[i];
    if (s.free) return static_cast<int>(i);
    int cls = eviction_class(s);
    if (cls == kKept) continue;
    if (cls < best_class || (cls == best_class && s.since < slots[best].since)) {
      best = static_cast<int>(i);
      best_class = cls;
    }
  }
  return best;
}

}  // namespace probebox
