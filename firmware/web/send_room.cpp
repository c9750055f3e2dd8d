#include "web/send_room.h"

namespace probebox {

size_t web_send_room(const HeapFacts& heap, size_t reserve, size_t write_overhead) {
  if (heap.used >= heap.size) return 0;
  const size_t free_bytes = heap.size - heap.used;
  const size_t kept = reserve + write_overhead;
  return free_bytes > kept ? free_bytes - kept : 0;
}

}  // namespace probebox
