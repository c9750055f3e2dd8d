#include "net/ethernet_netif.h"

#include <cstring>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "net/frame_arrival.h"
#include "netif/ethernet.h"

namespace probebox::net {
namespace {
// One frame in flight through the driver at a time (single thread): static, not stack.
uint8_t g_frame[hal::EthernetPort::kMaxFrameBytes];
}  // namespace

err_t EthernetNetif::init_callback(struct netif* netif) {
  auto* self = static_cast<EthernetNetif*>(netif->state);
  hal::MacAddress mac = self->port_->mac();
  netif->hwaddr_len = ETH_HWADDR_LEN;
  std::memcpy(netif->hwaddr, mac.data(), ETH_HWADDR_LEN);
  netif->mtu = 1500;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->output = etharp_output;
  netif->linkoutput = linkoutput_callback;
  return ERR_OK;
}

err_t EthernetNetif::linkoutput_callback(struct netif* netif, struct pbuf* p) {
  auto* self = static_cast<EthernetNetif*>(netif->state);
  if (p->tot_len > sizeof(g_frame)) return ERR_BUF;
  u16_t len = pbuf_copy_partial(p, g_frame, p->tot_len, 0);
  LINK_STATS_INC(link.xmit);
  return self->port_->transmit({g_frame, len}) ? ERR_OK : ERR_IF;
}

void EthernetNetif::start(hal::EthernetPort& port, const AddressingConfig& addressing,
                          const char* hostname) {
  port_ = &port;
  addressing_ = addressing;
  ip4_addr_t any{};
  if (addressing.dhcp) {
    netif_add(&netif_, &any, &any, &any, this, init_callback, ethernet_input);
  } else {
    netif_add(&netif_, &addressing.address, &addressing.netmask, &addressing.gateway, this,
              init_callback, ethernet_input);
  }
  netif_set_hostname(&netif_, hostname);
  netif_set_default(&netif_);
  netif_set_up(&netif_);
  if (port.link_up()) netif_set_link_up(&netif_);
  if (addressing.dhcp) dhcp_start(&netif_);
  started_ = true;
}

void EthernetNetif::poll() {
  if (!started_) return;
  bool link = port_->link_up();
  if (link != netif_is_link_up(&netif_)) {
    if (link) {
      netif_set_link_up(&netif_);
      if (addressing_.dhcp) dhcp_network_changed(&netif_);
    } else {
      netif_set_link_down(&netif_);
    }
  }
  for (int i = 0; i < kMaxFramesPerPoll; ++i) {
    size_t len = port_->receive(g_frame);
    if (len == 0) break;
    const hal::MonoMicros arrived = port_->arrival();
    struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_POOL);
    if (p == nullptr) {
      ++dropped_no_pbuf_;
      LINK_STATS_INC(link.memerr);
      continue;
    }
    pbuf_take(p, g_frame, static_cast<u16_t>(len));
    LINK_STATS_INC(link.recv);
    // lwIP handles the frame to the end inside input() (NO_SYS): every callback it
    // makes for it sees the frame's arrival.
    FrameArrival during(arrived);
    if (netif_.input(p, &netif_) != ERR_OK) pbuf_free(p);
  }
}

void EthernetNetif::stop() {
  if (!started_) return;
  if (addressing_.dhcp) dhcp_stop(&netif_);
  netif_set_down(&netif_);
  netif_remove(&netif_);
  started_ = false;
}

bool EthernetNetif::link_up() const { return started_ && netif_is_link_up(&netif_); }

bool EthernetNetif::has_address() const {
  return started_ && !ip4_addr_isany_val(*netif_ip4_addr(&netif_));
}

ip4_addr_t EthernetNetif::address() const { return *netif_ip4_addr(&netif_); }
ip4_addr_t EthernetNetif::gateway() const { return *netif_ip4_gw(&netif_); }

}  // namespace probebox::net
