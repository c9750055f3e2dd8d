// Binds the C hooks lwIP and mbedTLS call (sys_now, LWIP_RAND, entropy poll, the
// time source) to the board's hal objects. Called once at start-up, before lwip_init.
#pragma once
#include "hal/clock.h"
#include "hal/entropy.h"

namespace probebox::net {

void bind_platform(hal::Clock& clock, hal::Entropy& entropy);
// True once bind_platform ran; the hooks fail loudly before that.
bool platform_bound();
// The UDP port lwIP's resolver sends to (network.dns); 53 unless configured.
void set_dns_server_port(uint16_t port);

}  // namespace probebox::net
