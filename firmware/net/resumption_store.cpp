#include "net/resumption_store.h"

namespace probebox::net {

static_assert(ResumptionStore::kSlots >= 1, "PROBEBOX_RESUMPTION_STORE_SLOTS must be at least 1");

uint32_t ResumptionStore::key(std::string_view host, uint16_t port, std::string_view server_name) {
  // FNV-1a over host, a separator, the port and the name: "a:1" + "b" and "a" + ... differ.
  uint32_t h = 2166136261u;
  auto mix = [&h](uint8_t byte) { h = (h ^ byte) * 16777619u; };
  for (char c : host) mix(static_cast<uint8_t>(c));
  mix(0);
  mix(static_cast<uint8_t>(port & 0xFF));
  mix(static_cast<uint8_t>(port >> 8));
  for (char c : server_name) mix(static_cast<uint8_t>(c));
  return h == 0 ? 1 : h;
}

uint32_t ResumptionStore::node_key(uint32_t server, std::string_view node) {
  // FNV-1a on from the server's key, a separator no host text holds, then the name.
  uint32_t h = server;
  auto mix = [&h](uint8_t byte) { h = (h ^ byte) * 16777619u; };
  mix(0xFF);
  for (char c : node) mix(static_cast<uint8_t>(c));
  return h == 0 || h == server ? h + 1 : h;
}

uint64_t ResumptionStore::fingerprint(const uint8_t (&sha256)[32]) {
  uint64_t f = 0;
  for (int i = 0; i < 8; ++i) f = (f << 8) | sha256[i];
  return f;
}

uint64_t ResumptionStore::fingerprint_hex(std::string_view hex) {
  if (hex.size() < 16) return 0;
  uint64_t f = 0;
  for (size_t i = 0; i < 16; ++i) {
    char c = hex[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) return 0;
    f = (f << 4) | static_cast<uint64_t>(v);
  }
  return f;
}

void ResumptionStore::reset() {
  for (Slot& s : slots_) free_slot(s);
  ++generation_;
}

ResumptionStore::Slot* ResumptionStore::slot_of(uint32_t key) {
  for (Slot& s : slots_) {
    if (s.key == key && key != 0) return &s;
  }
  return nullptr;
}

const ResumptionStore::Slot* ResumptionStore::last_answered(uint32_t server) const {
  for (const Slot& s : slots_) {
    if (s.key != 0 && s.server == server && s.answered_last) return &s;
  }
  return nullptr;
}

void ResumptionStore::free_slot(Slot& s) {
  s.key = 0;
  s.server = 0;
  s.next = 0;
  s.answered_last = false;
  s.next_in_run = false;
  s.generation = 0;
  s.leaf = 0;
  s.saved_us = 0;
  s.uses = 0;
  s.session.clear();
}

const TlsResumption* ResumptionStore::find(uint32_t key, int64_t now_us, uint64_t* leaf) {
  if (leaf != nullptr) *leaf = 0;
  Slot* s = slot_of(key);
  if (s == nullptr) return nullptr;
  bool stale = s->generation != generation_ || s->session.empty() || s->uses >= kMaxResumptions ||
               now_us - s->saved_us > kMaxAgeMicros || now_us < s->saved_us;
  if (stale) {
    free_slot(*s);
    return nullptr;
  }
  if (leaf != nullptr) *leaf = s->leaf;
  return &s->session;
}

void ResumptionStore::resumed(uint32_t key) {
  if (Slot* s = slot_of(key)) {
    if (s->uses < kMaxResumptions) ++s->uses;
    ++hits_;
  }
}

TlsResumption* ResumptionStore::claim(uint32_t key, uint32_t generation, uint64_t leaf, int64_t now_us,
                                      uint32_t server) {
  if (generation != generation_ || key == 0) return nullptr;
  Slot* s = slot_of(key);
  // A free slot, else one past its bounds; never a live session of another server.
  for (Slot& candidate : slots_) {
    if (s != nullptr) break;
    if (candidate.key == 0) s = &candidate;
  }
  for (Slot& candidate : slots_) {
    if (s != nullptr) break;
    if (candidate.uses >= kMaxResumptions || now_us - candidate.saved_us > kMaxAgeMicros) s = &candidate;
  }
  if (s == nullptr) return nullptr;
  // A node's place in the order survives its new session.
  const uint32_t next = s->key == key ? s->next : 0;
  const bool answered_last = s->key == key && s->answered_last;
  const bool next_in_run = s->key == key && s->next_in_run;
  free_slot(*s);
  s->key = key;
  s->server = server != 0 ? server : key;
  s->next = next;
  s->answered_last = answered_last;
  s->next_in_run = next_in_run;
  s->generation = generation;
  s->leaf = leaf;
  s->saved_us = now_us;
  return &s->session;
}

void ResumptionStore::drop(uint32_t key) {
  if (Slot* s = slot_of(key)) {
    free_slot(*s);
    ++drops_;
  }
}

void ResumptionStore::observe(uint32_t key, uint64_t leaf) {
  if (key == 0) return;
  for (Slot& s : slots_) {
    if (s.key != 0 && s.server == key && s.leaf != leaf) {
      free_slot(s);
      ++drops_;
    }
  }
}

void ResumptionStore::answered(uint32_t server, uint32_t key, Request request) {
  if (server == 0 || key == 0) return;
  if (const Slot* found = last_answered(server)) {
    Slot& last = slots_[found - slots_];
    const bool learn = request == Request::kBackToBack || (request == Request::kFirstOfRun && last.next == 0) ||
                       (request == Request::kOnlyOne && !last.next_in_run);
    if (learn) {
      last.next = key;
      last.next_in_run = request == Request::kBackToBack;
    }
  }
  Slot* node = slot_of(key);
  if (node == nullptr || node->server != server) return;
  for (Slot& s : slots_) {
    if (s.server == server) s.answered_last = false;
  }
  node->answered_last = true;
}

uint32_t ResumptionStore::expected_node(uint32_t server) const {
  const Slot* last = last_answered(server);
  if (last == nullptr) return 0;
  return last->next != 0 ? last->next : last->key;
}

size_t ResumptionStore::size() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.key != 0 ? 1 : 0;
  return n;
}

}  // namespace probebox::net
