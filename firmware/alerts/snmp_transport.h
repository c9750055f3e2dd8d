// The agent's UDP endpoint (see snmp_transport.cpp).
#pragma once
#include <cstdint>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

namespace probebox::snmp_transport {

bool start(uint16_t agent_port);
// One request datagram, as the agent's UDP callback hands it on (the fuzz harness
// calls it directly); the caller keeps and frees `p`.
void receive(struct pbuf* p, const ip_addr_t* source, uint16_t port);
// False: every request is dropped unread (no SNMP version is configured).
void set_answering(bool answering);
// Before each snmp_send_trap(): its destinations are matched to ports in order.
void begin_trap();
// Requests dropped before lwIP saw them (protocols/snmp_message.h).
uint32_t rejected();
// Trap destination i (lwIP's index) is sent to ports[i] instead of 162.
void set_trap_ports(const ip_addr_t* addresses, const uint16_t* ports, int count);

}  // namespace probebox::snmp_transport
