// Which held connection a new one takes the place of when every slot is in use.
// Pure, so the policy an attacker meets is tested offline.
#pragma once
#include <cstddef>
#include <cstdint>

namespace probebox {

// What the policy needs to know of one connection slot.
struct SlotFacts {
  bool free = false;
  // Kept alive after an answer, nothing asked since: the cheapest to give away.
  bool parked = false;
  // A request still arriving: a head or an unstreamed body, a TLS handshake, or a
  // socket that has not spoken yet (it may be a client's request in flight).
  bool incomplete = false;
  // An answer its client has stopped reading.
  bool stalled_reader = false;
  // When the slot's current wait began: accept, a request's first byte, last progress.
  int64_t since = 0;
};

// The index of the slot to use: a free one, else the oldest parked connection,
// else the oldest incomplete request (a slow-loris has held its slot since its
// first byte; a client that connected a moment ago is the newest and goes last),
// else the oldest stalled reader. -1 when every slot is answering or uploading.
int slot_to_reuse(const SlotFacts* slots, size_t count);

}  // namespace probebox
