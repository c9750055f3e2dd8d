// lwIP's SNMP agent over the raw UDP API, in place of lwIP's snmp_raw.c: the agent
// port is the standard 161, but traps go to the port each alerts.snmp.trap_to entry
// names (lwIP's own transport sends every trap to 162).
#include "alerts/snmp_transport.h"

#include "protocols/snmp_message.h"

#include "lwip/apps/snmp.h"
#include "lwip/ip.h"
#include "lwip/prot/iana.h"
#include "lwip/udp.h"

// lwIP's agent entry points from its private apps/snmp/snmp_msg.h, which a
// replacement transport provides or calls.
extern "C" {
extern void* snmp_traps_handle;
void snmp_receive(void* handle, struct pbuf* p, const ip_addr_t* source_ip, u16_t port);
}

namespace probebox::snmp_transport {
namespace {

struct TrapPort {
  ip_addr_t address;
  uint16_t port;
};
TrapPort g_ports[SNMP_TRAP_DESTINATIONS];
int g_port_count = 0;
struct udp_pcb* g_pcb = nullptr;
bool g_answering = false;
int g_next_trap = 0;
uint32_t g_rejected = 0;

void on_request(void*, struct udp_pcb*, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
  receive(p, addr, port);
  pbuf_free(p);
}

}  // namespace

void receive(struct pbuf* p, const ip_addr_t* source, uint16_t port) {
  if (!g_answering || g_pcb == nullptr) return;
  // lwIP's v3 parser overflows on an oversized USM field: checked first.
  uint8_t window[snmp_message::kHeaderWindowBytes];
  u16_t n = pbuf_copy_partial(p, window, sizeof(window), 0);
  if (snmp_message::check({window, n}, p->tot_len) == snmp_message::Verdict::kPass) {
    snmp_receive(g_pcb, p, source, port);
  } else {
    ++g_rejected;
  }
}

bool start(uint16_t agent_port) {
  if (g_pcb != nullptr) return true;
  g_pcb = udp_new_ip_type(IPADDR_TYPE_V4);
  if (g_pcb == nullptr) return false;
  snmp_traps_handle = g_pcb;
  udp_recv(g_pcb, on_request, nullptr);
  return udp_bind(g_pcb, IP4_ADDR_ANY, agent_port) == ERR_OK;
}

void set_answering(bool answering) { g_answering = answering; }
void begin_trap() { g_next_trap = 0; }
uint32_t rejected() { return g_rejected; }

void set_trap_ports(const ip_addr_t* addresses, const uint16_t* ports, int count) {
  g_port_count = count < SNMP_TRAP_DESTINATIONS ? count : SNMP_TRAP_DESTINATIONS;
  for (int i = 0; i < g_port_count; ++i) g_ports[i] = {addresses[i], ports[i]};
}

}  // namespace probebox::snmp_transport

extern "C" err_t snmp_sendto(void* handle, struct pbuf* p, const ip_addr_t* dst, u16_t port) {
  using namespace probebox::snmp_transport;
  if (port == LWIP_IANA_PORT_SNMP_TRAP) {
    // lwIP sends one trap to each destination in index order; two receivers on one
    // address (different ports) are told apart by where the last one was found.
    for (int i = g_next_trap; i < g_port_count; ++i) {
      if (ip_addr_cmp(&g_ports[i].address, dst)) {
        port = g_ports[i].port;
        g_next_trap = i + 1;
        break;
      }
    }
  }
  return udp_sendto(static_cast<struct udp_pcb*>(handle), p, dst, port);
}

extern "C" u8_t snmp_get_local_ip_for_dst(void* handle, const ip_addr_t* dst, ip_addr_t* result) {
  auto* pcb = static_cast<struct udp_pcb*>(handle);
  struct netif* dst_if;
  const ip_addr_t* dst_ip;
  LWIP_UNUSED_ARG(pcb);
  ip_route_get_local_ip(&pcb->local_ip, dst, dst_if, dst_ip);
  if (dst_if == nullptr || dst_ip == nullptr) return 0;
  ip_addr_copy(*result, *dst_ip);
  return 1;
}
