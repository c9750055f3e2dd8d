// TLS 1.2 sessions the https `http` probe resumes (issue 20 item 4): each cycle's
// request to the same server (a node's /testall, the load balancer's, every sample of
// it) costs an abbreviated handshake — no key exchange, no chain verification, about
// a tenth of a full one — instead of a full handshake.
//
// A slot holds one session serialised by mbedtls_ssl_session_save (TlsResumption: the
// server's ticket or session id, the master secret, the leaf certificate the session
// was made with and the handshake's verification result), so nothing is allocated
// after start-up. A slot is keyed by the server as the probe reaches it: the address
// text, the port and the SNI name (the check's Host), and the configuration
// generation it was saved under.
//
// What keeps a resumed request from trusting a certificate the server no longer has:
// - every configuration applied empties the store (new anchors, new checks) and bumps
//   the generation: a probe that began before cannot save into the new one;
// - a session is resumed at most kMaxResumptions times and for at most kMaxAgeMicros
//   after the full handshake that made it: then a full handshake verifies the chain
//   again (at a 10 s interval, about every 10 minutes);
// - the tls_cert check of the same server (same address, port and name: the
//   appliance profile has one for every /testall) reports each cycle the leaf it was
//   sent: a leaf other than the session's drops the slot, so the next request makes a
//   full handshake and judges the new certificate (within one cycle);
// - a handshake that fails after a session was offered drops the slot; one the
//   server declined (a full handshake) replaces it;
// - only a session whose chain the handshake itself verified to the trust anchors is
//   kept (a leaf judged by the public roots needs the chain, which a saved session
//   does not hold: such servers get a full handshake every time, as before).
//
// Behind a load balancer that passes TLS through (the appliance's, and the network
// lab's haproxy), each connection reaches the next node in turn, and a node takes
// only its own sessions (nginx: a ticket key per node). One slot for the balancer
// would hold the last node's session and offer it to the next node: every request
// a full handshake. So sessions are kept per node (node_key: the server's key and the
// name the response gave, X-Auth0-Host or the certificate; a server reached directly
// is its own lone node), and the store learns the order the nodes answer in: the
// node expected next is the one that answered after the last one, the last time
// (expected_node). What two requests of one run say, back to back, is the balancer's
// own order and is kept; between two runs other clients take turns, so the first
// request of a run of several only fills a successor not known yet, and a check that
// makes one request a run learns from one run to the next what it can (the order
// with the others' turns in it, steady while their traffic is). A wrong guess costs
// the full handshake it would have cost anyway; the tls_cert check's leaf reaches
// every node's session of its server (observe).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/tls_resumption.h"

// Slots: one per https server the box requests every cycle. Two on the target: the
// appliance's load balancer and a node (the demo profile); a third server finds no
// free slot and makes full handshakes (never evicting a live session: evicting in
// turn would make every one of three servers miss). Each slot is a TlsResumption
// (PROBEBOX_TLS_RESUMPTION_BYTES, 2,560 bytes) and 32 bytes of key and bounds.
#ifndef PROBEBOX_RESUMPTION_STORE_SLOTS
#define PROBEBOX_RESUMPTION_STORE_SLOTS 2
#endif

namespace probebox::net {

class ResumptionStore {
 public:
  static constexpr size_t kSlots = PROBEBOX_RESUMPTION_STORE_SLOTS;
  // A full handshake (the chain verified again) at least this often...
  static constexpr int64_t kMaxAgeMicros = 600LL * 1'000'000;
  // ...and after this many resumptions of one session.
  static constexpr uint16_t kMaxResumptions = 60;

  // The server as a probe reaches it (never 0).
  static uint32_t key(std::string_view host, uint16_t port, std::string_view server_name);
  // A node of `server`: the name a response gave (never 0, never `server`).
  static uint32_t node_key(uint32_t server, std::string_view node);
  // The leaf's fingerprint: the first 8 bytes of its SHA-256, as a number.
  static uint64_t fingerprint(const uint8_t (&sha256)[32]);
  // The same from the SHA-256 in hex (x509::CertSummary::sha256); 0 when not hex.
  static uint64_t fingerprint_hex(std::string_view sha256_hex);

  uint32_t generation() const { return generation_; }
  // A configuration was applied: every session dropped, the generation bumped.
  void reset();

  // The session to offer to `key` at `now_us`, or null (none, or past its bounds:
  // then the slot is freed). Read it at once (TlsClientSession::begin): the pointer
  // does not outlive the next call. `leaf`, when given, receives the fingerprint of
  // the leaf the session was made with (0 with no session): a resumed handshake's
  // certificate is that one, so it need not be hashed again.
  const TlsResumption* find(uint32_t key, int64_t now_us, uint64_t* leaf = nullptr);
  // The handshake that offered the session resumed it: one more use counted.
  void resumed(uint32_t key);
  // The slot, emptied and marked as `key`'s, to save the session of a full handshake
  // into (TlsClientSession::save) whose chain verified to the anchors, begun under
  // `generation`, whose leaf has `leaf`'s fingerprint. Null when the generation is
  // stale or no slot is free. A save that fails must drop(key).
  // `server`: the server whose node `key` is (node_key); 0 when `key` is a server's
  // own key.
  TlsResumption* claim(uint32_t key, uint32_t generation, uint64_t leaf, int64_t now_us, uint32_t server = 0);
  // The session of `key` must not be offered again (the handshake or the
  // certificate's verdict failed).
  void drop(uint32_t key);
  // tls_cert saw `leaf` at the server `key`: a session made with another leaf goes,
  // its nodes' as well.
  void observe(uint32_t key, uint64_t leaf);

  // Which request of its run an answer was: what the node that answered before it
  // learns from it.
  enum class Request : uint8_t {
    kBackToBack,  // after another of the same run: `key` comes next, whatever was known
    kFirstOfRun,  // the first of several: `key` comes next, if nothing was known
    kOnlyOne,     // a run of one: `key` comes next, unless a run's requests said otherwise
  };
  // Node `key` of `server` answered (its session, if any, already claimed).
  void answered(uint32_t server, uint32_t key, Request request);
  // The node of `server` expected to take its next connection: the successor of the
  // node that answered last, that node itself while its successor is unknown (a lone
  // node follows itself), 0 when none answered yet.
  uint32_t expected_node(uint32_t server) const;

  size_t size() const;
  // Counters since start-up (tests, the bench).
  uint32_t hits() const { return hits_; }
  uint32_t drops() const { return drops_; }

 private:
  struct Slot {
    // Widest first: the target's RAM has no byte for padding.
    uint64_t leaf = 0;
    int64_t saved_us = 0;
    uint32_t key = 0;     // 0: free
    uint32_t server = 0;  // the server's key: `key` itself, or the load balancer's
    uint32_t next = 0;    // a node: the node that answered after it, the last time
    uint32_t generation = 0;
    uint16_t uses = 0;
    bool answered_last = false;  // a node: the last of its server's nodes to answer
    bool next_in_run = false;    // `next` was learnt from two requests of one run (kBackToBack)
    TlsResumption session;
  };
  Slot* slot_of(uint32_t key);
  // The node of `server` that answered last, or null.
  const Slot* last_answered(uint32_t server) const;
  void free_slot(Slot& s);

  Slot slots_[kSlots];
  uint32_t generation_ = 1;
  uint32_t hits_ = 0;
  uint32_t drops_ = 0;
};

}  // namespace probebox::net
