// The chains the tls_cert probe has already verified and judged, so that the same
// chain seen again (four names on one load balancer, every node serving the same
// certificate, the next cycle) is not verified and judged again (issue 17 item 6).
//
// Keyed by the SHA-256 of the DER chain exactly as the server sent it: every
// certificate in the order received, each preceded by its 3-byte length (the TLS 1.2
// certificate_list encoding). Not of the Certificate handshake message itself: in TLS
// 1.3 that message also carries a request context and per-certificate extensions (a
// stapled OCSP response, SCTs) that change from one connection to the next while the
// certificates do not, and it is the same chain for a server speaking 1.2 and 1.3.
// Any byte of any certificate changed, added, dropped or moved is another key.
//
// What a hit does NOT replace: mbedTLS still parses the chain it received in this
// handshake (it offers no hook to skip that without patching the library), and the
// server's signature over this handshake (ServerKeyExchange in TLS 1.2,
// CertificateVerify in 1.3) is verified with the key of the leaf parsed from these
// very bytes before the probe ever asks the cache. What a hit replaces is the chain's
// verification (to the anchors and to the public roots: a signature check per link)
// and the summary (SANs, names, hashes). Dates and names are not cached as verdicts:
// the probe judges the cached not_before/not_after of every certificate against
// today's clock and the cached SANs against the check's names, every time.
//
// Only a chain that verified (trusted) is kept: a verification that failed for a
// transient reason (the arena full) never sticks. An entry answers only for the
// same trust inputs (public roots on or off for the check, the wall clock valid or
// not), lives at most kMaxAgeMicros, and the whole cache is emptied with every
// configuration applied (TlsClientConfig::setup: new anchors, new public_roots).
// Static storage, a fixed number of entries, the least recently used replaced.
//
// The entries are packed: each keeps the texts of its VerifiedChain at their own
// length (a leaf's subject, issuer and SANs are a few hundred bytes where the
// unpacked summary reserves 1.6 KB), in one store of kStoreBytes. A typical chain
// takes 300-500 bytes; one with 1 KiB of SANs about 1.7 KB, which still fits alone.
// An entry larger than the whole store is not kept (it is verified every time).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/limits.h"
#include "mbedtls/x509_crt.h"
#include "protocols/x509_summary.h"

namespace probebox::net {

struct ChainKey {
  std::array<uint8_t, 32> sha256{};
  bool operator==(const ChainKey&) const = default;
};

// The key of the chain starting at `chain` (leaf first, as received); false when
// there is no certificate (then nothing may be looked up).
bool chain_key(const mbedtls_x509_crt* chain, ChainKey& out);

// chain_key() with the last chain kept byte for byte (kBytes: PROBEBOX_CHAIN_KEY_MEMO_BYTES,
// a board's choice): a cycle's tls_cert checks mostly see one chain (every name on the
// load balancer, every node), and comparing its bytes costs a few hundred
// instructions where hashing them costs about 100,000 on the host. Exact: a key comes
// from the memo only for a chain of the very bytes, in the very order, it was computed
// over. With kBytes 0, or a chain larger than kBytes, it is chain_key() itself.
class ChainKeyMemo {
 public:
  static constexpr size_t kBytes = PROBEBOX_CHAIN_KEY_MEMO_BYTES;

  bool key(const mbedtls_x509_crt* chain, ChainKey& out);
  void clear() { length_ = 0; }
  // Keys answered from the kept bytes since start-up (the tests' proof).
  uint32_t hits() const { return hits_; }

 private:
  // Whether `chain` is byte for byte the one kept (encoded as chain_key() hashes it).
  bool same_as_kept(const mbedtls_x509_crt* chain) const;

  uint8_t bytes_[kBytes > 0 ? kBytes : 1];
  size_t length_ = 0;  // 0: nothing kept
  ChainKey key_;
  uint32_t hits_ = 0;
};

// What judging needs of a verified chain: the leaf's summary (subject, issuer, SANs,
// key, signature, dates, fingerprint) and the chain's verdict (trust and by which
// set, completeness, order, weak signatures, every certificate's dates).
struct VerifiedChain {
  x509::CertSummary leaf;
  x509::ChainVerdict chain;
};

// What a verdict depends on besides the chain's bytes and the configuration.
struct ChainContext {
  bool public_roots = false;  // the check verifies to the public roots too
  bool wall_valid = false;    // the wall clock was valid (the public roots are judged at now)
  bool operator==(const ChainContext&) const = default;
};

class VerifiedChainCache {
 public:
  static constexpr size_t kEntries = PROBEBOX_VERIFIED_CHAIN_CACHE;
  static constexpr size_t kStoreBytes = kEntries == 0 ? 0 : PROBEBOX_VERIFIED_CHAIN_CACHE_BYTES;
  // An hour: a chain is verified again at least this often even when nothing changed.
  static constexpr int64_t kMaxAgeMicros = 3600LL * 1'000'000;

  // The chain verified under `context`, stored no longer than kMaxAgeMicros before
  // `now_us`, unpacked into `out`; false on a miss (an expired entry is dropped;
  // `out` is then left as it was).
  bool find(const ChainKey& key, ChainContext context, int64_t now_us, VerifiedChain& out);
  // Keeps `chain` (only a trusted one: returns false otherwise, for kEntries 0, and
  // for a chain whose packed form exceeds kStoreBytes), replacing the entry of the
  // same key and context; the least recently used give way until there is a free
  // entry and room in the store.
  bool insert(const ChainKey& key, ChainContext context, int64_t now_us, const VerifiedChain& chain);
  // The key of `chain` to find() and insert() with: chain_key(), through the memo.
  bool key_of(const mbedtls_x509_crt* chain, ChainKey& out) { return memo_.key(chain, out); }
  const ChainKeyMemo& memo() const { return memo_; }
  void clear();
  size_t size() const;
  // Bytes of the store the entries hold now.
  size_t stored_bytes() const { return used_bytes_; }
  // The packed size of `chain` (what insert() needs of the store).
  static size_t packed_size(const VerifiedChain& chain);
  // Lookups answered and missed since start-up (for the bench and the tests).
  uint32_t hits() const { return hits_; }
  uint32_t misses() const { return misses_; }

 private:
  struct Entry {
    ChainKey key;
    int64_t stored_us = 0;
    uint32_t last_use = 0;
    uint16_t offset = 0;  // in store_
    uint16_t length = 0;
    ChainContext context;
    bool used = false;
  };
  static_assert(PROBEBOX_VERIFIED_CHAIN_CACHE_BYTES < 0x10000, "entry offsets are 16-bit");
  // Drops an entry and closes the gap it leaves in the store.
  void remove(Entry& e);

  std::array<Entry, kEntries> entries_{};
  ChainKeyMemo memo_;
  uint8_t store_[kStoreBytes > 0 ? kStoreBytes : 1];
  size_t used_bytes_ = 0;
  uint32_t clock_ = 0;
  uint32_t hits_ = 0;
  uint32_t misses_ = 0;
};

}  // namespace probebox::net
