// net/resumption_store: keys, fingerprints, generations and slots without a handshake
// (tests/unit/probes/http_probe_test.cpp's HttpsResumptionTest resumes real sessions).
#include "net/resumption_store.h"

#include <gtest/gtest.h>

#include <memory>

namespace probebox::net {
namespace {

using Request = ResumptionStore::Request;

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

TEST(ResumptionStore, ANodesKeyIsItsBalancersAndItsName) {
  uint32_t lb = ResumptionStore::key("192.0.2.10", 443, "manage.example.com");
  uint32_t a = ResumptionStore::node_key(lb, "a0-1");
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, lb);
  EXPECT_EQ(a, ResumptionStore::node_key(lb, "a0-1"));
  EXPECT_NE(a, ResumptionStore::node_key(lb, "a0-2"));
  EXPECT_NE(a, ResumptionStore::node_key(ResumptionStore::key("192.0.2.11", 443, "manage.example.com"), "a0-1"));
}

// Round robin over three nodes: the order is learnt from the requests of a run; what
// answers first in a run (other clients took turns since the last) only fills a
// successor not known yet.
TEST(ResumptionStore, TheNodeExpectedNextIsTheOneThatFollowedTheLastLastTime) {
  ASSERT_GE(ResumptionStore::kSlots, 3u);
  auto store = std::make_unique<ResumptionStore>();
  uint32_t lb = ResumptionStore::key("192.0.2.10", 443, "manage.example.com");
  uint32_t n[3] = {ResumptionStore::node_key(lb, "a0-1"), ResumptionStore::node_key(lb, "a0-2"),
                   ResumptionStore::node_key(lb, "a0-3")};
  EXPECT_EQ(store->expected_node(lb), 0u) << "nothing answered yet";
  for (int k = 0; k < 3; ++k) {
    ASSERT_NE(store->claim(n[k], store->generation(), 42, 0, lb), nullptr);
    store->answered(lb, n[k], k > 0 ? Request::kBackToBack : Request::kFirstOfRun);
  }
  EXPECT_EQ(store->expected_node(lb), n[2]) << "a0-3's successor unknown: a0-3 itself is the guess";
  store->answered(lb, n[0], Request::kFirstOfRun);  // the next run begins at a0-1
  EXPECT_EQ(store->expected_node(lb), n[1]);
  store->answered(lb, n[1], Request::kBackToBack);
  EXPECT_EQ(store->expected_node(lb), n[2]);
  store->answered(lb, n[2], Request::kBackToBack);
  EXPECT_EQ(store->expected_node(lb), n[0]);
  // Another client took a turn: this run begins at a0-2, which says nothing of what
  // follows a0-3 in the balancer's order.
  store->answered(lb, n[1], Request::kFirstOfRun);
  EXPECT_EQ(store->expected_node(lb), n[2]);
  store->answered(lb, n[2], Request::kBackToBack);
  EXPECT_EQ(store->expected_node(lb), n[0]);
  // Within a run the order is learnt anew (a node added, the order changed).
  store->answered(lb, n[1], Request::kBackToBack);
  EXPECT_EQ(store->expected_node(lb), n[2]);
  store->answered(lb, n[2], Request::kFirstOfRun);
  EXPECT_EQ(store->expected_node(lb), n[1]);
  // Another server has learnt nothing.
  EXPECT_EQ(store->expected_node(ResumptionStore::key("192.0.2.11", 443, "manage.example.com")), 0u);
}

// A check that makes one request a run (a plain https check aimed at a balancer)
// learns the order from run to run, the other clients' turns in it: steady while
// their traffic is. An order two requests of one run said is not overwritten so.
TEST(ResumptionStore, OneRequestARunLearnsTheOrderFromRunToRun) {
  ASSERT_GE(ResumptionStore::kSlots, 3u);
  auto store = std::make_unique<ResumptionStore>();
  uint32_t lb = ResumptionStore::key("192.0.2.10", 443, "manage.example.com");
  uint32_t a = ResumptionStore::node_key(lb, "a0-1"), b = ResumptionStore::node_key(lb, "a0-2"),
           c = ResumptionStore::node_key(lb, "a0-3");
  for (uint32_t node : {a, b, c}) ASSERT_NE(store->claim(node, store->generation(), 42, 0, lb), nullptr);
  // Another client's request between two of ours: a0-1, a0-3, a0-2, a0-1, ...
  for (uint32_t node : {a, c, b, a}) store->answered(lb, node, Request::kOnlyOne);
  EXPECT_EQ(store->expected_node(lb), c);
  store->answered(lb, c, Request::kOnlyOne);
  EXPECT_EQ(store->expected_node(lb), b);
  store->answered(lb, a, Request::kBackToBack);  // c -> a, said by one run
  store->answered(lb, b, Request::kOnlyOne);
  store->answered(lb, c, Request::kOnlyOne);
  EXPECT_EQ(store->expected_node(lb), a) << "what one run said stays";
}

TEST(ResumptionStore, ALoneNodeIsExpectedAfterItself) {
  auto store = std::make_unique<ResumptionStore>();
  uint32_t lb = ResumptionStore::key("10.0.2.2", 443, "manage.lab.test");
  uint32_t only = ResumptionStore::node_key(lb, "cert:206cc486");
  ASSERT_NE(store->claim(only, store->generation(), 42, 0, lb), nullptr);
  store->answered(lb, only, Request::kOnlyOne);
  EXPECT_EQ(store->expected_node(lb), only);
  store->answered(lb, only, Request::kOnlyOne);
  EXPECT_EQ(store->expected_node(lb), only);
}

// The tls_cert check of the balancer judges the leaf every node's session was made
// with: another leaf drops them all, another server's leaf none.
TEST(ResumptionStore, ABalancersLeafReachesItsNodesSessions) {
  ASSERT_GE(ResumptionStore::kSlots, 3u);
  auto store = std::make_unique<ResumptionStore>();
  uint32_t lb = ResumptionStore::key("192.0.2.10", 443, "manage.example.com");
  uint32_t direct = ResumptionStore::key("192.0.2.11", 443, "manage.example.com");
  ASSERT_NE(store->claim(ResumptionStore::node_key(lb, "a0-1"), store->generation(), 42, 0, lb), nullptr);
  ASSERT_NE(store->claim(ResumptionStore::node_key(lb, "a0-2"), store->generation(), 42, 0, lb), nullptr);
  ASSERT_NE(store->claim(direct, store->generation(), 42, 0), nullptr);
  store->observe(lb, 42);
  EXPECT_EQ(store->size(), 3u);
  store->observe(lb, 43);
  EXPECT_EQ(store->size(), 1u) << "the node reached directly keeps its own";
  EXPECT_EQ(store->drops(), 2u);
}

}  // namespace
}  // namespace probebox::net
