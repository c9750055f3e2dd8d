// HMAC with its pad states kept (firmware/net/hmac_midstate.c, put in front of
// mbedTLS's mbedtls_md_hmac_* by the linker): every digest it keeps gives the bytes
// of mbedTLS's one-shot mbedtls_md_hmac (which md.c calls without the wrap) for keys
// shorter than, as long as and longer than a block, over messages that end on either
// side of a block's padding, through many reset/finish rounds, with more contexts than
// slots and with a context given a new key; RFC 4231's values hold; the kept states
// are the ones used (the hit counter), and a freed context's slot comes back.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.h"
#include "mbedtls/md.h"
#include "seeded_bytes.h"

extern "C" unsigned long probebox_hmac_midstate_hits;
extern "C" unsigned long probebox_hmac_midstate_no_slot;
extern "C" size_t probebox_hmac_midstate_slots_in_use(void);

namespace probebox::net {
namespace {

using Bytes = test::SeededBytes;

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string one_shot(mbedtls_md_type_t type, const std::vector<uint8_t>& key, const std::vector<uint8_t>& msg) {
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(type);
  uint8_t out[MBEDTLS_MD_MAX_SIZE];
  EXPECT_EQ(mbedtls_md_hmac(info, key.data(), key.size(), msg.data(), msg.size(), out), 0);
  return hex(out, mbedtls_md_get_size(info));
}

struct Hmac {
  mbedtls_md_context_t ctx;
  explicit Hmac(mbedtls_md_type_t type) {
    mbedtls_md_init(&ctx);
    EXPECT_EQ(mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(type), 1), 0);
  }
  ~Hmac() { mbedtls_md_free(&ctx); }
  void start(const std::vector<uint8_t>& key) { ASSERT_EQ(mbedtls_md_hmac_starts(&ctx, key.data(), key.size()), 0); }
  // The message in two pieces, as a caller feeding a stream would.
  std::string mac(const std::vector<uint8_t>& msg) {
    const size_t half = msg.size() / 2;
    EXPECT_EQ(mbedtls_md_hmac_update(&ctx, msg.data(), half), 0);
    EXPECT_EQ(mbedtls_md_hmac_update(&ctx, msg.data() + half, msg.size() - half), 0);
    uint8_t out[MBEDTLS_MD_MAX_SIZE];
    EXPECT_EQ(mbedtls_md_hmac_finish(&ctx, out), 0);
    return hex(out, mbedtls_md_get_size(mbedtls_md_info_from_ctx(&ctx)));
  }
  void reset() { ASSERT_EQ(mbedtls_md_hmac_reset(&ctx), 0); }
};

const mbedtls_md_type_t kKept[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512};

TEST(HmacMidstate, EveryKeyAndMessageLengthGivesMbedtlsOwnBytes) {
  Bytes bytes(20261204);
  const size_t key_lengths[] = {0, 1, 20, 32, 48, 63, 64, 65, 127, 128, 129, 200};
  const size_t msg_lengths[] = {0, 1, 48, 55, 56, 63, 64, 77, 111, 112, 125, 128, 129, 300};
  for (mbedtls_md_type_t type : kKept) {
    for (size_t key_len : key_lengths) {
      const std::vector<uint8_t> key = bytes.take(key_len);
      Hmac h(type);
      h.start(key);
      const unsigned long hits_before = probebox_hmac_midstate_hits;
      for (size_t round = 0; round < 3; ++round) {
        for (size_t msg_len : msg_lengths) {
          const std::vector<uint8_t> msg = bytes.take(msg_len);
          EXPECT_EQ(h.mac(msg), one_shot(type, key, msg))
              << "digest " << type << ", key " << key_len << " bytes, message " << msg_len << " bytes, round " << round;
          h.reset();
        }
      }
      if (PROBEBOX_HMAC_MIDSTATE_SLOTS > 0) {
        // A finish and a reset per message: both from the kept states.
        EXPECT_EQ(probebox_hmac_midstate_hits - hits_before, 2 * 3 * std::size(msg_lengths)) << "the wrap is not in force";
      }
    }
  }
}

TEST(HmacMidstate, Rfc4231TestCaseTwoHolds) {
  const std::string key = "Jefe", data = "what do ya want for nothing?";
  const std::vector<uint8_t> k(key.begin(), key.end()), d(data.begin(), data.end());
  const struct {
    mbedtls_md_type_t type;
    const char* mac;
  } cases[] = {
      {MBEDTLS_MD_SHA256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {MBEDTLS_MD_SHA384,
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
      {MBEDTLS_MD_SHA512,
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
  };
  for (const auto& c : cases) {
    Hmac h(c.type);
    h.start(k);
    EXPECT_EQ(h.mac(d), c.mac);
    h.reset();
    EXPECT_EQ(h.mac(d), c.mac) << "again after a reset";
  }
}

TEST(HmacMidstate, MoreContextsThanSlotsAndANewKeyEachGiveTheirOwnBytes) {
  Bytes bytes(7);
  const size_t n = PROBEBOX_HMAC_MIDSTATE_SLOTS + 2;
  std::vector<std::vector<uint8_t>> keys;
  std::vector<Hmac*> contexts;
  const unsigned long no_slot_before = probebox_hmac_midstate_no_slot;
  for (size_t i = 0; i < n; ++i) {
    keys.push_back(bytes.take(16 + i));
    contexts.push_back(new Hmac(kKept[i % 3]));
    contexts.back()->start(keys.back());
  }
  EXPECT_EQ(probebox_hmac_midstate_slots_in_use(), static_cast<size_t>(PROBEBOX_HMAC_MIDSTATE_SLOTS));
  EXPECT_EQ(probebox_hmac_midstate_no_slot - no_slot_before, 2u) << "the two past the slots took mbedTLS's own path";
  // Interleaved: each context's rounds between the others'.
  for (size_t round = 0; round < 2; ++round) {
    for (size_t i = 0; i < n; ++i) {
      const std::vector<uint8_t> msg = bytes.take(40 + 30 * i);
      EXPECT_EQ(contexts[i]->mac(msg), one_shot(kKept[i % 3], keys[i], msg)) << "context " << i << ", round " << round;
      contexts[i]->reset();
    }
  }
  // A new key for the first context: its old states must not answer.
  const std::vector<uint8_t> fresh = bytes.take(33), msg = bytes.take(90);
  contexts[0]->start(fresh);
  EXPECT_EQ(contexts[0]->mac(msg), one_shot(kKept[0], fresh, msg));
  for (Hmac* h : contexts) delete h;
  EXPECT_EQ(probebox_hmac_midstate_slots_in_use(), 0u) << "a freed context gives its slot back";
}

TEST(HmacMidstate, ADigestItDoesNotKeepTakesMbedtlsOwnPath) {
  const std::vector<uint8_t> key(20, 0x0b), msg(50, 0xdd);
  Hmac h(MBEDTLS_MD_SHA1);
  h.start(key);
  EXPECT_EQ(probebox_hmac_midstate_slots_in_use(), 0u);
  const unsigned long hits_before = probebox_hmac_midstate_hits;
  EXPECT_EQ(h.mac(msg), one_shot(MBEDTLS_MD_SHA1, key, msg));
  EXPECT_EQ(probebox_hmac_midstate_hits, hits_before);
}

}  // namespace
}  // namespace probebox::net
