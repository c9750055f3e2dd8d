// Runs the real lwIP core on a FakePeer netif with a FakeClock: one lwIP per test
// process, the netif added and removed per test, and a leak check on the pools.
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "fake_clock.h"
#include "fake_entropy.h"
#include "fake_peer.h"
#include "net/ethernet_netif.h"

namespace probebox::test {

// Holds every TCP segment of lwIP's pool while it lives (as other connections' queued
// data would): the box's own shortage, for tests of how it is reported.
class TcpSegmentsTaken {
 public:
  // All of lwIP's TCP segments but `leave`.
  explicit TcpSegmentsTaken(size_t leave = 0);
  ~TcpSegmentsTaken() { give_back(); }
  TcpSegmentsTaken(const TcpSegmentsTaken&) = delete;
  TcpSegmentsTaken& operator=(const TcpSegmentsTaken&) = delete;
  void give_back();
  size_t count() const { return taken_.size(); }

 private:
  std::vector<void*> taken_;
};

// lwIP's heap (PBUF_RAM: every segment's data and header) but about `leave` bytes,
// until destroyed.
class LwipHeapTaken {
 public:
  explicit LwipHeapTaken(size_t leave);
  ~LwipHeapTaken();
  LwipHeapTaken(const LwipHeapTaken&) = delete;
  LwipHeapTaken& operator=(const LwipHeapTaken&) = delete;

 private:
  std::vector<void*> taken_;
};

class LwipFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Advances the fake clock in steps, moving frames and lwIP timers each step.
  void run_for_ms(int64_t ms, int64_t step_ms = 1);
  void pump();
  // TCP pcbs still allocated (active, listening or TIME_WAIT).
  static int tcp_pcbs_in_use();
  // UDP pcbs, pool pbufs and pbuf headers, lwIP heap bytes (PBUF_RAM) allocated since
  // SetUp: lwIP lives for the whole process, other suites may hold their own.
  int udp_pcbs_in_use() const;
  int pbufs_in_use() const;
  int64_t heap_bytes_in_use() const;

  hal::FakeClock clock_;
  hal::FakeEntropy entropy_;
  FakePeer peer_;
  net::EthernetNetif netif_;

 private:
  int udp_at_setup_ = 0;
  int pbufs_at_setup_ = 0;
  int64_t heap_at_setup_ = 0;
};

}  // namespace probebox::test
