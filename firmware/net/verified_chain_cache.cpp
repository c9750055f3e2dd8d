#include "net/verified_chain_cache.h"

#include <array>
#include <cstring>
#include <type_traits>

#include "mbedtls/sha256.h"

namespace probebox::net {
namespace {

// A certificate's length as the TLS 1.2 certificate_list writes it: 3 bytes, big-endian.
std::array<uint8_t, 3> der_length(size_t length) {
  return {static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
}

}  // namespace

bool chain_key(const mbedtls_x509_crt* chain, ChainKey& out) {
  if (chain == nullptr || chain->raw.p == nullptr) return false;
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  bool ok = mbedtls_sha256_starts(&sha, 0) == 0;
  for (const mbedtls_x509_crt* c = chain; ok && c != nullptr && c->raw.p != nullptr; c = c->next) {
    const std::array<uint8_t, 3> length = der_length(c->raw.len);
    ok = mbedtls_sha256_update(&sha, length.data(), length.size()) == 0 &&
         mbedtls_sha256_update(&sha, c->raw.p, c->raw.len) == 0;
  }
  ok = ok && mbedtls_sha256_finish(&sha, out.sha256.data()) == 0;
  mbedtls_sha256_free(&sha);
  return ok;
}

bool ChainKeyMemo::same_as_kept(const mbedtls_x509_crt* chain) const {
  size_t at = 0;
  for (const mbedtls_x509_crt* c = chain; c != nullptr && c->raw.p != nullptr; c = c->next) {
    if (length_ - at < 3 || c->raw.len > length_ - at - 3) return false;
    if (std::memcmp(bytes_ + at, der_length(c->raw.len).data(), 3) != 0 || std::memcmp(bytes_ + at + 3, c->raw.p, c->raw.len) != 0) {
      return false;
    }
    at += 3 + c->raw.len;
  }
  return at == length_;
}

bool ChainKeyMemo::key(const mbedtls_x509_crt* chain, ChainKey& out) {
  if (kBytes == 0) return chain_key(chain, out);
  if (chain == nullptr || chain->raw.p == nullptr) return false;
  if (length_ != 0 && same_as_kept(chain)) {
    ++hits_;
    out = key_;
    return true;
  }
  length_ = 0;
  if (!chain_key(chain, out)) return false;
  // Kept only whole: a chain over kBytes is hashed every time.
  size_t at = 0;
  for (const mbedtls_x509_crt* c = chain; c != nullptr && c->raw.p != nullptr; c = c->next) {
    if (kBytes - at < 3 || c->raw.len > kBytes - at - 3) return true;
    std::memcpy(bytes_ + at, der_length(c->raw.len).data(), 3);
    std::memcpy(bytes_ + at + 3, c->raw.p, c->raw.len);
    at += 3 + c->raw.len;
  }
  key_ = out;
  length_ = at;
  return true;
}

namespace {

// The packed form of a VerifiedChain: its numbers as stored in memory, each text as
// a 16-bit length and its bytes, in a fixed order (write_chain and read_chain list
// the same fields). A Packer without a buffer only counts.
class Packer {
 public:
  explicit Packer(uint8_t* out = nullptr) : out_(out) {}
  template <class T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof(v));
  }
  void text(const TextBuffer& t) {
    value(static_cast<uint16_t>(t.size()));
    bytes(t.view().data(), t.size());
  }
  size_t size() const { return at_; }

 private:
  void bytes(const void* p, size_t n) {
    if (out_ != nullptr) std::memcpy(out_ + at_, p, n);
    at_ += n;
  }
  uint8_t* out_;
  size_t at_ = 0;
};

class Unpacker {
 public:
  explicit Unpacker(const uint8_t* in) : in_(in) {}
  template <class T>
  void value(T& v) {
    std::memcpy(&v, in_ + at_, sizeof(v));
    at_ += sizeof(v);
  }
  void text(TextBuffer& t) {
    uint16_t n = 0;
    value(n);
    t.assign(std::string_view(reinterpret_cast<const char*>(in_ + at_), n));
    at_ += n;
  }

 private:
  const uint8_t* in_;
  size_t at_ = 0;
};

// Every field of a VerifiedChain, packed or unpacked (P is Packer or Unpacker, V a
// const or mutable VerifiedChain).
template <class P, class V>
void each_field(P& p, V& v) {
  auto& leaf = v.leaf;
  p.text(leaf.subject);
  p.text(leaf.issuer);
  p.value(leaf.not_before);
  p.value(leaf.not_after);
  p.text(leaf.sans);
  p.value(leaf.san_count);
  p.value(leaf.sans_truncated);
  p.text(leaf.key_type);
  p.value(leaf.key_bits);
  p.text(leaf.sig_alg);
  p.value(leaf.sha1_signature);
  p.text(leaf.sha256);
  auto& c = v.chain;
  p.value(c.complete);
  p.value(c.trusted);
  p.value(c.trusted_by);
  p.value(c.flags);
  p.value(c.sent);
  p.value(c.in_order);
  p.value(c.leaf_self_signed);
  p.value(c.weak_sig);
  p.value(c.earliest_not_after);
  p.value(c.latest_not_before);
  p.value(c.verified_not_after);
  p.text(c.weak_name);
  p.text(c.weak_alg);
  p.text(c.earliest_name);
  p.text(c.latest_start_name);
  p.value(c.earliest_index);
  p.value(c.latest_start_index);
}

}  // namespace

size_t VerifiedChainCache::packed_size(const VerifiedChain& chain) {
  Packer counter;
  each_field(counter, chain);
  return counter.size();
}

bool VerifiedChainCache::find(const ChainKey& key, ChainContext context, int64_t now_us, VerifiedChain& out) {
  for (Entry& e : entries_) {
    if (!e.used || !(e.key == key) || !(e.context == context)) continue;
    // A clock that went backwards, or an entry too old: verified again.
    if (now_us < e.stored_us || now_us - e.stored_us > kMaxAgeMicros) {
      remove(e);
      break;
    }
    e.last_use = ++clock_;
    ++hits_;
    // Every field is written (each_field lists them all): no reset needed.
    Unpacker reader(store_ + e.offset);
    each_field(reader, out);
    return true;
  }
  ++misses_;
  return false;
}

void VerifiedChainCache::remove(Entry& e) {
  if (!e.used) return;
  size_t end = size_t{e.offset} + e.length;
  std::memmove(store_ + e.offset, store_ + end, used_bytes_ - end);
  for (Entry& other : entries_) {
    if (other.used && other.offset > e.offset) other.offset = static_cast<uint16_t>(other.offset - e.length);
  }
  used_bytes_ -= e.length;
  e.used = false;
}

bool VerifiedChainCache::insert(const ChainKey& key, ChainContext context, int64_t now_us,
                                const VerifiedChain& chain) {
  if (chain.chain.trusted != x509::Trust::kYes || entries_.empty()) return false;
  // The older entry of the same key and context goes first, whatever follows.
  for (Entry& e : entries_) {
    if (e.used && e.key == key && e.context == context) remove(e);
  }
  size_t need = packed_size(chain);
  if (need > kStoreBytes) return false;
  // The least recently used give way until an entry is free and the chain fits.
  for (;;) {
    Entry* free_entry = nullptr;
    Entry* oldest = nullptr;
    for (Entry& e : entries_) {
      if (!e.used) {
        if (free_entry == nullptr) free_entry = &e;
      } else if (oldest == nullptr || e.last_use < oldest->last_use) {
        oldest = &e;
      }
    }
    if (free_entry != nullptr && kStoreBytes - used_bytes_ >= need) {
      free_entry->used = true;
      free_entry->key = key;
      free_entry->context = context;
      free_entry->stored_us = now_us;
      free_entry->last_use = ++clock_;
      free_entry->offset = static_cast<uint16_t>(used_bytes_);
      free_entry->length = static_cast<uint16_t>(need);
      Packer writer(store_ + used_bytes_);
      each_field(writer, chain);
      used_bytes_ += need;
      return true;
    }
    if (oldest == nullptr) return false;  // cannot happen: need <= kStoreBytes
    remove(*oldest);
  }
}

void VerifiedChainCache::clear() {
  for (Entry& e : entries_) e.used = false;
  used_bytes_ = 0;
  memo_.clear();
}

size_t VerifiedChainCache::size() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.used ? 1 : 0;
  return n;
}

}  // namespace probebox::net
