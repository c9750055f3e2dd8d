// ICMP destination-unreachable reaches the TCP connect it quotes, over the real lwIP
// core on the fake Ethernet: only with the attempt's own ports and SYN sequence.
#include "net/icmp_watch.h"

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip_fixture.h"

namespace probebox::test {
namespace {

struct Seen {
  int calls = 0;
  icmp::Unreachable last;
};

void record(void* owner, const icmp::Unreachable& message) {
  auto* seen = static_cast<Seen*>(owner);
  ++seen->calls;
  seen->last = message;
}

class IcmpWatchTest : public LwipFixture {
 protected:
  // A connect attempt to the peer's `port`, watched.
  tcp_pcb* connect_watched(uint16_t port, Seen& seen, int& ticket) {
    tcp_pcb* pcb = tcp_new();
    ip_addr_t peer = IPADDR4_INIT(lwip_htonl(FakePeer::kPeerIp));
    EXPECT_EQ(tcp_connect(pcb, &peer, port, nullptr), ERR_OK);
    ticket = net::IcmpWatch::watch(pcb, &seen, record);
    EXPECT_GE(ticket, 0);
    return pcb;
  }
};

TEST_F(IcmpWatchTest, AnAdministrativeProhibitionReachesTheAttemptItQuotes) {
  peer_.set_port_icmp(443, 13);
  Seen seen;
  int ticket = -1;
  tcp_pcb* pcb = connect_watched(443, seen, ticket);
  uint32_t delivered = net::IcmpWatch::delivered();
  run_for_ms(20);
  ASSERT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.last.code, 13);
  EXPECT_EQ(seen.last.quoted_dst, FakePeer::kPeerIp);
  EXPECT_EQ(seen.last.quoted_dst_port, 443);
  EXPECT_EQ(seen.last.quoted_src_port, pcb->local_port);
  EXPECT_EQ(net::IcmpWatch::delivered(), delivered + 1);
  // At most once: the SYN's retransmission draws another message, nobody hears it.
  run_for_ms(3500, 10);
  EXPECT_EQ(seen.calls, 1);
  net::IcmpWatch::unwatch(ticket);
  tcp_abort(pcb);
}

TEST_F(IcmpWatchTest, AMessageWithAnotherSequenceNumberIsIgnored) {
  peer_.set_port_icmp(8721, 1, /*seq_skew=*/12345);
  Seen seen;
  int ticket = -1;
  tcp_pcb* pcb = connect_watched(8721, seen, ticket);
  uint32_t seen_before = net::IcmpWatch::seen();
  run_for_ms(20);
  EXPECT_EQ(net::IcmpWatch::seen(), seen_before + 1);  // parsed, but not ours
  EXPECT_EQ(seen.calls, 0);
  net::IcmpWatch::unwatch(ticket);
  tcp_abort(pcb);
}

TEST_F(IcmpWatchTest, AnUnwatchedAttemptHearsNothing) {
  peer_.set_port_icmp(7777, 3);
  Seen seen;
  int ticket = -1;
  tcp_pcb* pcb = connect_watched(7777, seen, ticket);
  net::IcmpWatch::unwatch(ticket);
  run_for_ms(20);
  EXPECT_EQ(seen.calls, 0);
  tcp_abort(pcb);
}

TEST_F(IcmpWatchTest, SlotsAreBoundedAndReusable) {
  Seen seen;
  std::vector<tcp_pcb*> pcbs;
  std::vector<int> tickets;
  ip_addr_t peer = IPADDR4_INIT(lwip_htonl(FakePeer::kPeerIp));
  peer_.set_port(27017, FakePeer::Port::kFiltered);
  for (int i = 0; i < PROBEBOX_MAX_IN_FLIGHT + 1; ++i) {
    tcp_pcb* pcb = tcp_new();
    ASSERT_NE(pcb, nullptr);
    ASSERT_EQ(tcp_connect(pcb, &peer, 27017, nullptr), ERR_OK);
    pcbs.push_back(pcb);
    tickets.push_back(net::IcmpWatch::watch(pcb, &seen, record));
  }
  EXPECT_EQ(tickets.back(), -1);  // one more than the probes that may be in flight
  net::IcmpWatch::unwatch(tickets.front());
  EXPECT_EQ(net::IcmpWatch::watch(pcbs.back(), &seen, record), tickets.front());
  for (size_t i = 0; i < pcbs.size(); ++i) {
    net::IcmpWatch::unwatch(i == 0 ? tickets.front() : tickets[i]);
    tcp_abort(pcbs[i]);
  }
}

}  // namespace
}  // namespace probebox::test
