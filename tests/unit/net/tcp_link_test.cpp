// net/tcp_link on the real lwIP core against FakePeer (no network): the events an
// owner gets, the pbuf walk into its reader, the one teardown and what it returns,
// TLS through the same link, and UdpLink's source filter.
#include "net/tcp_link.h"

#include <memory>
#include <string>
#include <vector>

#include "fake_tls_server.h"
#include "lwip_fixture.h"
#include "net/tls_memory.h"

namespace probebox::test {
namespace {

using Reply = FakePeer::Reply;
using net::LinkEvent;
using net::TcpLink;

ip_addr_t peer_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);
  return a;
}

// An owner that records its events and what it read; optionally closes the link
// from inside the reader once it has `close_after` bytes (a reply that ends it all).
struct Owner final : net::LinkOwner {
  TcpLink link;
  std::vector<LinkEvent> events;
  std::string bytes;
  size_t close_after = 0;
  TcpLink::Ending ending = TcpLink::Ending::kGraceful;
  err_t closed_with = ERR_OK;
  TcpLink::Read last_read = TcpLink::Read::kWait;
  bool tls = false;
  net::ChainCheck check = net::ChainCheck::kInHandshake;
  const char* server_name = "hostile.lab.test";
  uint32_t verify_flags = 0;
  bool established = false;
  std::string to_send_after_handshake;

  static void on_bytes(net::LinkOwner& self, std::span<const uint8_t> b) {
    auto* o = static_cast<Owner*>(&self);
    o->bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    if (o->close_after > 0 && o->bytes.size() >= o->close_after) o->closed_with = o->link.close(o->ending);
  }
  void process(LinkEvent event) override {
    events.push_back(event);
    if (event == LinkEvent::kConnected && tls) {
      ASSERT_TRUE(link.start_tls(*config, server_name, net::TlsVersion::k12, nullptr, check).ok());
    }
    if (tls && !established && (event == LinkEvent::kConnected || event == LinkEvent::kReceived)) {
      auto p = link.tls().handshake(false);
      if (p != net::TlsClientSession::Progress::kEstablished) return;
      established = true;
      verify_flags = link.tls().verify_flags();
      EXPECT_TRUE(link.send(to_send_after_handshake));
      return;
    }
    if (event == LinkEvent::kReceived || event == LinkEvent::kPeerClosed) last_read = link.read(on_bytes);
  }
  net::TlsClientConfig* config = nullptr;
  ~Owner() { link.give_back_tls(); }  // as a probe's destructor does
};

class TcpLinkTest : public LwipFixture {
 protected:
  void TearDown() override {
    run_for_ms(20);
    EXPECT_EQ(tcp_pcbs_in_use(), 0);
    EXPECT_EQ(peer_.open_streams(), 0);
    LwipFixture::TearDown();
  }
};

TEST_F(TcpLinkTest, ConnectsReadsAndClosesFromTheReaderWithAFin) {
  peer_.set_conversation(7000, [](std::string_view received) -> Reply {
    if (received.empty()) return {"hello"};
    return {};
  });
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7000, o), TcpLink::Open::kConnecting);
  o.close_after = 5;
  run_for_ms(50);
  ASSERT_GE(o.events.size(), 2u);
  EXPECT_EQ(o.events[0], LinkEvent::kConnected);
  EXPECT_EQ(o.events[1], LinkEvent::kReceived);
  EXPECT_EQ(o.bytes, "hello");
  // Closed inside lwIP's recv callback: the bytes were acknowledged first, so it is a
  // graceful close (a FIN), not an abort (a RST), and lwIP is told ERR_OK.
  EXPECT_EQ(o.closed_with, ERR_OK);
  EXPECT_FALSE(o.link.open());
  EXPECT_EQ(peer_.resets_from_box(), 0);
  EXPECT_EQ(o.link.close(), ERR_OK);  // idempotent
}

TEST_F(TcpLinkTest, AResetFromTheReaderIsOneRstAndTellsLwipThePcbIsGone) {
  peer_.set_conversation(7006, [](std::string_view received) -> Reply {
    if (received.empty()) return {"hello"};
    return {};
  });
  Owner o;
  o.ending = TcpLink::Ending::kReset;
  ASSERT_EQ(o.link.connect(peer_address(), 7006, o), TcpLink::Open::kConnecting);
  o.close_after = 5;
  run_for_ms(50);
  EXPECT_EQ(o.bytes, "hello");
  // lwIP must hear ERR_ABRT from the callback that reset, or it would touch the freed pcb.
  EXPECT_EQ(o.closed_with, ERR_ABRT);
  EXPECT_FALSE(o.link.open());
  EXPECT_EQ(peer_.resets_from_box(), 1);
  EXPECT_EQ(tcp_pcbs_in_use(), 0) << "no TIME_WAIT pcb left behind";
}

TEST_F(TcpLinkTest, AResetBeforeTheHandshakeSendsNothing) {
  peer_.set_port(7007, FakePeer::Port::kOpen);
  peer_.hold_syn_acks(true);
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7007, o), TcpLink::Open::kConnecting);
  run_for_ms(5);
  EXPECT_EQ(o.link.close(TcpLink::Ending::kReset), ERR_OK);
  run_for_ms(5);
  EXPECT_EQ(peer_.resets_from_box(), 0) << "no RST to a host that has not answered";
  EXPECT_EQ(tcp_pcbs_in_use(), 0);
  peer_.release_held();
  run_for_ms(20);
  EXPECT_TRUE(o.events.empty());
}

TEST_F(TcpLinkTest, ThePeersFinIsPeerClosedAndReadSaysEnded) {
  peer_.set_conversation(7001, [](std::string_view received) -> Reply {
    if (received.empty()) return {"bye", Reply::Close::kFin};
    return {};
  });
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7001, o), TcpLink::Open::kConnecting);
  run_for_ms(50);
  EXPECT_EQ(o.bytes, "bye");
  ASSERT_FALSE(o.events.empty());
  EXPECT_EQ(o.events.back(), LinkEvent::kPeerClosed);
  EXPECT_TRUE(o.link.peer_closed());
  EXPECT_EQ(o.last_read, TcpLink::Read::kEnded);
  EXPECT_EQ(o.link.close(), ERR_OK);
}

// Each send is a whole message (a protocol line, a request, a TLS record of a flight)
// and the probe then waits for the server: Nagle would hold a flight's second record
// until the first is acknowledged, a delayed ACK later, inflating the latency the
// probe reports. Both writes leave at once, before any ACK has come back.
TEST_F(TcpLinkTest, TwoSendsLeaveAtOnceWithoutWaitingForAnAck) {
  peer_.set_conversation(7006, [](std::string_view) -> Reply { return {}; });
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7006, o), TcpLink::Open::kConnecting);
  run_for_ms(20);
  ASSERT_FALSE(o.events.empty());
  ASSERT_EQ(o.events[0], LinkEvent::kConnected);
  // The peer answers from inside the box's transmit, but its ACKs reach lwIP only
  // when the loop next polls: between these two sends nothing is acknowledged.
  ASSERT_TRUE(o.link.send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("ChangeCipherSpec"), 16)));
  ASSERT_TRUE(o.link.send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("Finished"), 8)));
  EXPECT_EQ(peer_.received(7006), "ChangeCipherSpecFinished");
  EXPECT_EQ(o.link.close(), ERR_OK);
}

TEST_F(TcpLinkTest, ARefusedConnectionIsFailedWithTheResetAndLeavesNothing) {
  peer_.set_port(7002, FakePeer::Port::kClosed);
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7002, o), TcpLink::Open::kConnecting);
  run_for_ms(50);
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(o.events[0], LinkEvent::kFailed);
  EXPECT_EQ(o.link.error(), ERR_RST);
  EXPECT_FALSE(o.link.open());  // lwIP freed the pcb; the link forgot it
  EXPECT_EQ(o.link.close(), ERR_OK);
}

// Every TCP segment taken (a probe's TLS records, a slow web client's document):
// lwIP cannot queue the SYN. That is the box's shortage, not a route failure, and
// the pcb is not left behind.
TEST_F(TcpLinkTest, NoSegmentForTheSynIsTheBoxsShortageAndLeavesNothing) {
  peer_.set_port(7007, FakePeer::Port::kOpen);
  TcpSegmentsTaken taken;
  ASSERT_GT(taken.count(), 0u);
  Owner o;
  const TcpLink::Open open = o.link.connect(peer_address(), 7007, o);
  taken.give_back();
  EXPECT_EQ(open, TcpLink::Open::kNoMemory);
  EXPECT_EQ(o.link.error(), ERR_MEM);
  EXPECT_FALSE(o.link.open());
  EXPECT_STREQ(TcpLink::shortage(open), "no memory for the SYN (lwIP heap or segment pool exhausted)");
  run_for_ms(20);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(peer_.syns_seen(), 0);
}

// A send lwIP has room for but no segment to carry: the box's shortage. A send past
// the connection's send buffer: the peer's window, not the box's memory.
TEST_F(TcpLinkTest, ASendWithNoSegmentLacksMemoryAndOnePastTheBufferDoesNot) {
  peer_.set_conversation(7008, [](std::string_view) -> Reply { return {}; });
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7008, o), TcpLink::Open::kConnecting);
  run_for_ms(20);
  ASSERT_FALSE(o.events.empty());
  ASSERT_EQ(o.events[0], LinkEvent::kConnected);
  std::vector<uint8_t> past_the_buffer(TCP_SND_BUF + 1, 'x');
  EXPECT_FALSE(o.link.send(past_the_buffer));
  EXPECT_FALSE(o.link.send_lacked_memory());
  TcpSegmentsTaken taken;
  const bool sent = o.link.send(std::string_view("GET / HTTP/1.1"));
  const bool lacked = o.link.send_lacked_memory();
  taken.give_back();
  EXPECT_FALSE(sent);
  EXPECT_TRUE(lacked);
  EXPECT_TRUE(o.link.send(std::string_view("GET / HTTP/1.1")));
  EXPECT_FALSE(o.link.send_lacked_memory());
  EXPECT_EQ(peer_.received(7008), "GET / HTTP/1.1");
  EXPECT_EQ(o.link.close(), ERR_OK);
}

TEST_F(TcpLinkTest, CloseBeforeTheHandshakeFreesThePcbAndNoEventFollows) {
  peer_.set_port(7003, FakePeer::Port::kOpen);
  peer_.hold_syn_acks(true);
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7003, o), TcpLink::Open::kConnecting);
  run_for_ms(5);
  EXPECT_EQ(o.link.close(), ERR_OK);
  peer_.release_held();
  run_for_ms(20);
  EXPECT_TRUE(o.events.empty());
}

TEST_F(TcpLinkTest, ASecondConnectClosesTheFirst) {
  peer_.set_port(7004, FakePeer::Port::kFiltered);
  Owner o;
  ASSERT_EQ(o.link.connect(peer_address(), 7004, o), TcpLink::Open::kConnecting);
  ASSERT_EQ(o.link.connect(peer_address(), 7004, o), TcpLink::Open::kConnecting);
  EXPECT_EQ(tcp_pcbs_in_use(), 1);
  o.link.close();
}

TEST_F(TcpLinkTest, TlsOverTheSameLinkSendsAndReadsPlaintext) {
  net::tls_memory_init();
  clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);  // inside the lab certificate's dates
  auto config = std::make_unique<net::TlsClientConfig>();
  ASSERT_TRUE(config->setup(lab_cert_pem()).ok());
  auto inside = std::make_shared<std::string>();
  peer_.set_conversation(7443, tls_server([inside](std::string_view plain) -> Reply {
    inside->assign(plain);
    if (plain == "ping\r\n") return {"pong\r\n"};
    return {};
  }));
  {
    Owner o;
    o.tls = true;
    o.config = config.get();
    o.to_send_after_handshake = "ping\r\n";
    o.close_after = 6;
    ASSERT_EQ(o.link.connect(peer_address(), 7443, o), TcpLink::Open::kConnecting);
    for (int i = 0; i < 500 && o.link.open(); ++i) run_for_ms(1);
    EXPECT_TRUE(o.established);
    EXPECT_EQ(*inside, "ping\r\n");
    EXPECT_EQ(o.bytes, "pong\r\n");
    EXPECT_FALSE(o.link.tls_active());  // close() ended the session
  }
  run_for_ms(20);
  peer_.clear_conversations();
  config->reset();
  EXPECT_EQ(net::tls_memory_stats().in_use, net::tls_memory_stats().crypto_resident);  // PSA keeps its entropy state
}

// A link leases its TLS session at its first start_tls() and keeps it, through a
// close, until its owner gives it back (what the session learnt stays readable); with every
// session leased, start_tls() refuses (kUnavailable) and the link reads idle.
TEST_F(TcpLinkTest, TlsSessionsAreLeasedByTheLinkAndAnExhaustedPoolRefusesStartTls) {
  net::tls_memory_init();
  clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);
  auto config = std::make_unique<net::TlsClientConfig>();
  ASSERT_TRUE(config->setup(lab_cert_pem()).ok());
  peer_.set_conversation(7443, tls_server([](std::string_view) -> Reply { return {}; }));
  EXPECT_EQ(net::TlsSessions::in_use(), 0);
  {
    Owner o;
    o.tls = true;
    o.config = config.get();
    ASSERT_EQ(o.link.connect(peer_address(), 7443, o), TcpLink::Open::kConnecting);
    for (int i = 0; i < 500 && !o.established; ++i) run_for_ms(1);
    EXPECT_TRUE(o.established);
    EXPECT_EQ(net::TlsSessions::in_use(), 1);
    o.link.close();
    EXPECT_EQ(net::TlsSessions::in_use(), 1);  // kept by the link: its facts stay readable
    EXPECT_EQ(o.link.tls().received_alert(), -1);
  }
  EXPECT_EQ(net::TlsSessions::in_use(), 0);  // given back by its owner's destructor

  net::TlsClientSession* leased[net::TlsSessions::kCount];
  for (auto& l : leased) {
    l = net::TlsSessions::lease();
    ASSERT_NE(l, nullptr);
  }
  EXPECT_EQ(net::TlsSessions::lease(), nullptr);
  {
    TcpLink link;
    EXPECT_EQ(link.start_tls(*config, "hostile.lab.test").code(), StatusCode::kUnavailable);
    EXPECT_FALSE(link.tls_active());
    EXPECT_FALSE(link.tls().active());  // the idle session, never begun
  }
  for (auto* l : leased) net::TlsSessions::give_back(l);
  EXPECT_EQ(net::TlsSessions::in_use(), 0);
  run_for_ms(20);
  peer_.clear_conversations();
  config->reset();
  EXPECT_EQ(net::tls_memory_stats().in_use, net::tls_memory_stats().crypto_resident);
}

// One client config per TLS version serves both kinds of session: kInHandshake has
// mbedTLS verify the chain as it arrives (a name the certificate does not cover is a
// flag), kByCaller turns that off for its own handshake only (no flags: the caller
// verifies), and the next kInHandshake session on the same config verifies again.
TEST_F(TcpLinkTest, ChainCheckByCallerSkipsTheHandshakesVerificationForThatSessionOnly) {
  net::tls_memory_init();
  clock_.set_wall(int64_t{1'893'456'000} * 1'000'000);
  auto config = std::make_unique<net::TlsClientConfig>();
  ASSERT_TRUE(config->setup(lab_cert_pem()).ok());
  peer_.set_conversation(7443, tls_server([](std::string_view plain) -> Reply {
    if (plain == "ping\r\n") return {"pong\r\n"};
    return {};
  }));
  auto run = [&](net::ChainCheck check) {
    Owner o;
    o.tls = true;
    o.check = check;
    o.server_name = "not-covered.example.test";
    o.config = config.get();
    o.to_send_after_handshake = "ping\r\n";
    o.close_after = 6;
    EXPECT_EQ(o.link.connect(peer_address(), 7443, o), TcpLink::Open::kConnecting);
    for (int i = 0; i < 500 && o.link.open(); ++i) run_for_ms(1);
    EXPECT_TRUE(o.established);
    return o.verify_flags;
  };
  EXPECT_NE(run(net::ChainCheck::kInHandshake) & MBEDTLS_X509_BADCERT_CN_MISMATCH, 0u);
  EXPECT_EQ(run(net::ChainCheck::kByCaller), 0u) << "verified in the handshake after all";
  EXPECT_NE(run(net::ChainCheck::kInHandshake) & MBEDTLS_X509_BADCERT_CN_MISMATCH, 0u) << "the config was changed";
  run_for_ms(20);
  peer_.clear_conversations();
  config->reset();
}

// --- UdpLink ---------------------------------------------------------------------

struct UdpOwner final : net::LinkOwner {
  net::UdpLink link;
  std::vector<std::string> datagrams;
  void process(LinkEvent event) override {
    if (event != LinkEvent::kDatagram) return;
    uint8_t buf[64];
    size_t n = link.take(buf);
    datagrams.emplace_back(reinterpret_cast<const char*>(buf), n);
  }
};

TEST_F(TcpLinkTest, UdpLinkHandsOnOnlyWhatThePeerPortSends) {
  peer_.set_udp_responder(5353, [](FakePeer& peer, const FakePeer::UdpDatagram& d) {
    const uint8_t stranger[] = {'x'};
    peer.send_udp(5353, d.box_port, stranger, 0x0A000209);    // another host
    peer.send_udp(5354, d.box_port, stranger);                // another port
    peer.send_udp(5353, d.box_port, d.payload);               // the peer: an echo
  });
  UdpOwner o;
  const uint8_t query[] = {'q', '1'};
  ASSERT_EQ(o.link.send_to(peer_address(), 5353, query, o), net::UdpLink::Send::kSent);
  run_for_ms(20);
  ASSERT_EQ(o.datagrams.size(), 1u);
  EXPECT_EQ(o.datagrams[0], "q1");
  EXPECT_EQ(udp_pcbs_in_use(), 1);
  ASSERT_EQ(o.link.send_to(peer_address(), 5353, query, o), net::UdpLink::Send::kSent);
  EXPECT_EQ(udp_pcbs_in_use(), 1);  // one socket, reused
  run_for_ms(20);
  EXPECT_EQ(o.datagrams.size(), 2u);
  o.link.close();
  EXPECT_EQ(udp_pcbs_in_use(), 0);
  EXPECT_EQ(pbufs_in_use(), 0);
}

}  // namespace
}  // namespace probebox::test
