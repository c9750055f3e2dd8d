// kind -> probe, like blackbox_exporter's Probers table. Probes live in a fixed
// pool of slots, each big enough for the largest probe type; a slot is constructed
// in place when a check starts and destroyed when it reports. No heap.
#pragma once
#include "core/check_types.h"
#include "core/limits.h"
#include "probes/probe.h"

namespace probebox {

class ProbePool {
 public:
  static constexpr int kSlots = PROBEBOX_MAX_IN_FLIGHT;

  // nullptr when every slot is busy or the type is not built into this firmware.
  Probe* acquire(CheckType type);
  void release(Probe* probe);
  int in_use() const { return in_use_; }
  int high_water() const { return high_water_; }
  static bool type_available(CheckType type);

 private:
  struct Slot;
  int in_use_ = 0;
  int high_water_ = 0;
};

}  // namespace probebox
