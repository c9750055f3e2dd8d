// libFuzzer: one SNMP request datagram as a peer on the network sends it, through
// the agent's own receive path (the USM bounds check, then lwIP's agent) with v2c
// and an SNMPv3 user configured and its keys ready. The answers go nowhere (no
// netif); what counts is that no input reads or writes out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "alerts/snmp_agent.h"
#include "alerts/snmp_transport.h"
#include "config/config_errors.h"
#include "config/config_parser.h"
#include "monitor/health_model.h"
#include "core/static_object.h"
#include "fake_clock.h"
#include "fake_entropy.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "net/net_glue.h"

namespace {

using namespace probebox;

constexpr char kConfig[] = R"({"schema":1,"alerts":{"snmp":{"community":"fuzz-comm",
  "v3":{"user":"nms-ops","auth_password":"auth-pass-4711","priv_password":"priv-pass-4711"}}}})";

struct Agent {
  hal::FakeClock clock;
  hal::FakeEntropy entropy;
  HealthModel health;
  SnmpAgent agent;

  Agent() {
    static StaticObject<Config> config;
    net::bind_platform(clock, entropy);
    lwip_init();
    ConfigErrors errors;
    if (!parse_config(kConfig, config.get(), errors).ok()) __builtin_trap();
    health.load(config.get(), clock);
    // Engine ID 80 01 86 9f 03 02 00 00 00 00 01 (the seeds use it).
    agent.start(health, clock, 1, {0x02, 0x00, 0x00, 0x00, 0x00, 0x01});
    agent.configure(config.get());
    for (int i = 0; i < 64 && !agent.v3_ready(); ++i) agent.step(health.events());
    if (!agent.v3_ready()) __builtin_trap();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Agent* agent = new Agent();
  (void)agent;
  if (size == 0 || size > 1472) return 0;  // one UDP datagram on Ethernet
  struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(size), PBUF_RAM);
  if (p == nullptr) return 0;
  std::memcpy(p->payload, data, size);
  ip_addr_t source;
  ip_addr_set_ip4_u32(&source, PP_HTONL(0xC0000201));  // 192.0.2.1
  snmp_transport::receive(p, &source, 50000);
  pbuf_free(p);
  return 0;
}
