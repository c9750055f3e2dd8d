#include "fault_record.h"

#include <cstdio>

namespace board::fault_record {
namespace {

constexpr uint32_t kMagic = 0xFA17C0DEu;

struct Record {
  uint32_t magic;
  uint32_t pc;
  char what[64];
  uint32_t check;  // over the fields above: a half-written or random record fails it
};

__attribute__((section(".noinit"))) Record g_record;

uint32_t check_of(const Record& r) {
  // FNV-1a: enough to tell a record from what RAM holds after power-up.
  uint32_t h = 2166136261u;
  auto mix = [&h](uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 16777619u;
    }
  };
  mix(r.magic);
  mix(r.pc);
  for (char c : r.what) mix(static_cast<uint8_t>(c));
  return h;
}

}  // namespace

void save(const char* what, uint32_t pc) {
  g_record.magic = kMagic;
  g_record.pc = pc;
  size_t i = 0;
  for (; what != nullptr && what[i] != '\0' && i + 1 < sizeof(g_record.what); ++i) g_record.what[i] = what[i];
  for (; i < sizeof(g_record.what); ++i) g_record.what[i] = '\0';
  g_record.check = check_of(g_record);
}

bool take(char* line, size_t size) {
  const bool valid = g_record.magic == kMagic && g_record.check == check_of(g_record) &&
                     g_record.what[sizeof(g_record.what) - 1] == '\0';
  if (valid) {
    if (g_record.pc != 0) {
      std::snprintf(line, size, "%s (pc %08lx)", g_record.what, static_cast<unsigned long>(g_record.pc));
    } else {
      std::snprintf(line, size, "%s", g_record.what);
    }
  }
  g_record.magic = 0;
  return valid;
}

}  // namespace board::fault_record
