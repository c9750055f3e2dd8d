// How many bytes the web server may hand lwIP now. The server shares lwIP's heap with
// the probes: every byte it queues stays copied there until its client acknowledges
// it, so a client that stops reading holds those bytes, and three of them held the
// whole 8 KiB of the target's heap (tests/netlab/test_netlab_target_limits.py). The
// server therefore writes only while the heap keeps the probes' reserve free after
// the write's worst case. Pure, so the arithmetic is tested offline.
#pragma once
#include <cstddef>

namespace probebox {

struct HeapFacts {
  size_t size = 0;  // lwIP's heap (MEM_SIZE)
  size_t used = 0;  // allocated now, by anyone
};

// `reserve`: what the probes keep; `write_overhead`: what a write may take beyond its
// bytes (a segment pbuf lwIP sizes for the bytes still to come, and its headers).
// 0 when the server must wait for an acknowledgement (its own or a probe's).
size_t web_send_room(const HeapFacts& heap, size_t reserve, size_t write_overhead);

}  // namespace probebox
