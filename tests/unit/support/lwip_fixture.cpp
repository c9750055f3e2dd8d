#include "lwip_fixture.h"

#include "lwip/mem.h"

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "net/net_glue.h"

namespace probebox::test {

namespace {
int udp_pcbs() { return lwip_stats.memp[MEMP_UDP_PCB]->used; }
int pbufs() { return lwip_stats.memp[MEMP_PBUF_POOL]->used + lwip_stats.memp[MEMP_PBUF]->used; }
int64_t heap_bytes() { return static_cast<int64_t>(lwip_stats.mem.used); }
}  // namespace

void LwipFixture::SetUp() {
  static bool lwip_ready = false;
  net::bind_platform(clock_, entropy_);
  if (!lwip_ready) {
    lwip_init();
    lwip_ready = true;
  }
  net::AddressingConfig addressing;
  addressing.dhcp = false;
  IP4_ADDR(&addressing.address, 10, 0, 2, 15);
  IP4_ADDR(&addressing.netmask, 255, 255, 255, 0);
  IP4_ADDR(&addressing.gateway, 10, 0, 2, 2);
  netif_.start(peer_, addressing, "probe-test");
  udp_at_setup_ = udp_pcbs();
  pbufs_at_setup_ = pbufs();
  heap_at_setup_ = heap_bytes();
}

void LwipFixture::TearDown() {
  netif_.stop();
  // This fixture's clock and entropy die with it: until the next test binds its own,
  // the platform points at ones that live as long as the process, so a suite without
  // the fixture that reaches mbedTLS's or lwIP's clock reads no freed memory.
  static hal::FakeClock between_tests_clock;
  static hal::FakeEntropy between_tests_entropy;
  net::bind_platform(between_tests_clock, between_tests_entropy);
}

void LwipFixture::pump() {
  netif_.poll();
  sys_check_timeouts();
}

void LwipFixture::run_for_ms(int64_t ms, int64_t step_ms) {
  for (int64_t t = 0; t < ms; t += step_ms) {
    pump();
    clock_.advance_ms(step_ms);
  }
  pump();
}

TcpSegmentsTaken::TcpSegmentsTaken(size_t leave) {
  for (void* seg = memp_malloc(MEMP_TCP_SEG); seg != nullptr; seg = memp_malloc(MEMP_TCP_SEG)) taken_.push_back(seg);
  for (; leave > 0 && !taken_.empty(); --leave) {
    memp_free(MEMP_TCP_SEG, taken_.back());
    taken_.pop_back();
  }
}

LwipHeapTaken::LwipHeapTaken(size_t leave) {
  // Big blocks first, then smaller ones into what is left, until about `leave` remain.
  for (size_t block = 4096; block >= 16; block /= 2) {
    while (static_cast<size_t>(lwip_stats.mem.avail - lwip_stats.mem.used) > leave + block) {
      void* p = mem_malloc(static_cast<mem_size_t>(block));
      if (p == nullptr) break;
      taken_.push_back(p);
    }
  }
}

LwipHeapTaken::~LwipHeapTaken() {
  for (void* p : taken_) mem_free(p);
}

void TcpSegmentsTaken::give_back() {
  for (void* seg : taken_) memp_free(MEMP_TCP_SEG, seg);
  taken_.clear();
}

int LwipFixture::tcp_pcbs_in_use() { return lwip_stats.memp[MEMP_TCP_PCB]->used; }
int LwipFixture::udp_pcbs_in_use() const { return udp_pcbs() - udp_at_setup_; }
int LwipFixture::pbufs_in_use() const { return pbufs() - pbufs_at_setup_; }
int64_t LwipFixture::heap_bytes_in_use() const { return heap_bytes() - heap_at_setup_; }

}  // namespace probebox::test
