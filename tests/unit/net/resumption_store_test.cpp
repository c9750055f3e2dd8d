// net/resumption_store: keys, fingerprints, generations and slots without a handshake
// (tests/unit/probes/http_probe_test.cpp's HttpsResumptionTest resumes real sessions).
#include "net/resumption_store.h"

#include <gtest/gtest.h>

#include <memory>

namespace probebox::net {
namespace {

TEST(ResumptionStore, TheKeyIsTheAddressThePortAndTheName) {
  uint32_t k = ResumptionStore::key("10.0.2.2", 443, "manage.lab.test");
  EXPECT_NE(k, 0u);
  EXPECT_EQ(k, ResumptionStore::key("10.0.2.2", 443, "manage.lab.test"));
  EXPECT_NE(k, ResumptionStore::key("10.0.2.2", 8443, "manage.lab.test"));
  EXPECT_NE(k, ResumptionStore::key("192.0.2.10", 443, "manage.lab.test"));
  EXPECT_NE(k, ResumptionStore::key("10.0.2.2", 443, "rta.lab.test"));
  EXPECT_NE(k, ResumptionStore::key("10.0.2.2", 443, ""));
}

TEST(ResumptionStore, FingerprintsFromBytesAndFromHexAgree) {
  uint8_t digest[32] = {0x20, 0x6c, 0xc4, 0x86, 0xb8, 0x7c, 0xdf, 0x45, 0x84};
  EXPECT_EQ(ResumptionStore::fingerprint(digest), 0x206cc486b87cdf45ULL);
  EXPECT_EQ(ResumptionStore::fingerprint_hex("206cc486b87cdf45841904956be628a4"), 0x206cc486b87cdf45ULL);
  EXPECT_EQ(ResumptionStore::fingerprint_hex("206CC486B87CDF45"), 0x206cc486b87cdf45ULL);
  EXPECT_EQ(ResumptionStore::fingerprint_hex("206cc486"), 0u) << "too short";
  EXPECT_EQ(ResumptionStore::fingerprint_hex("206cc486b87cdf4x"), 0u) << "not hex";
}

TEST(ResumptionStore, NothingToOfferForAnUnknownServer) {
  auto store = std::make_unique<ResumptionStore>();
  EXPECT_EQ(store->find(ResumptionStore::key("a", 1, "a"), 0), nullptr);
  EXPECT_EQ(store->size(), 0u);
}

TEST(ResumptionStore, AStaleGenerationClaimsNothing) {
  auto store = std::make_unique<ResumptionStore>();
  uint32_t begun = store->generation();
  store->reset();
  EXPECT_NE(store->generation(), begun);
  EXPECT_EQ(store->claim(ResumptionStore::key("a", 1, "a"), begun, 1, 0), nullptr);
  EXPECT_NE(store->claim(ResumptionStore::key("a", 1, "a"), store->generation(), 1, 0), nullptr);
}

TEST(ResumptionStore, ALiveSessionIsNeverEvictedOneOutOfBoundsIs) {
  auto store = std::make_unique<ResumptionStore>();
  uint32_t g = store->generation();
  for (size_t i = 0; i < ResumptionStore::kSlots; ++i) {
    ASSERT_NE(store->claim(ResumptionStore::key("node", static_cast<uint16_t>(i + 1), "n"), g, 1, 0), nullptr);
  }
  EXPECT_EQ(store->size(), ResumptionStore::kSlots);
  uint32_t newcomer = ResumptionStore::key("node", 999, "n");
  EXPECT_EQ(store->claim(newcomer, g, 1, 1'000'000), nullptr) << "every slot live: the newcomer goes unresumed";
  // The same server claims its own slot again.
  EXPECT_NE(store->claim(ResumptionStore::key("node", 1, "n"), g, 2, 1'000'000), nullptr);
  // Past the age bound, a slot is free for another server.
  EXPECT_NE(store->claim(newcomer, g, 1, ResumptionStore::kMaxAgeMicros + 2'000'000), nullptr);
  EXPECT_EQ(store->size(), ResumptionStore::kSlots);
}

TEST(ResumptionStore, DropAndObserveCountAndFree) {
  auto store = std::make_unique<ResumptionStore>();
  uint32_t k = ResumptionStore::key("a", 1, "a");
  ASSERT_NE(store->claim(k, store->generation(), 42, 0), nullptr);
  store->observe(k, 42);
  EXPECT_EQ(store->size(), 1u) << "the same leaf";
  store->observe(ResumptionStore::key("b", 1, "b"), 7);
  EXPECT_EQ(store->size(), 1u) << "another server's leaf";
  store->observe(k, 43);
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->drops(), 1u);
  store->drop(k);
  EXPECT_EQ(store->drops(), 1u) << "nothing left to drop";
}

TEST(ResumptionStore, AnEmptyClaimedSlotIsNotOffered) {
  // A claim whose save failed holds no session: find frees it rather than offer nothing.
  auto store = std::make_unique<ResumptionStore>();
  uint32_t k = ResumptionStore::key("a", 1, "a");
  ASSERT_NE(store->claim(k, store->generation(), 1, 0), nullptr);
  EXPECT_EQ(store->find(k, 0), nullptr);
  EXPECT_EQ(store->size(), 0u);
}

}  // namespace
}  // namespace probebox::net
