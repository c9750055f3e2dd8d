/* lwIP options for probebox: NO_SYS, raw/altcp API only, IPv4 with DHCP and DNS,
 * TLS over mbedTLS driven by the firmware. Pool sizes follow core/limits.h. */
#ifndef PROBEBOX_LWIPOPTS_H
#define PROBEBOX_LWIPOPTS_H

#include "core/limits.h"

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0

/* 8 keeps pointers inside pools naturally aligned on 64-bit hosts as well. */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    PROBEBOX_LWIP_HEAP_BYTES

#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1  /* net/icmp_watch: ICMP unreachable for TCP connects */
/* One raw pcb for net/icmp_watch, one for a kind of its own (an ICMP echo probe):
 * adding a kind never edits the lwIP port. */
#define MEMP_NUM_RAW_PCB            2
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   1
#define LWIP_AUTOIP                 0
#define LWIP_DNS                    1
#define DNS_MAX_SERVERS             2
#define DNS_TABLE_SIZE              8
/* DHCP must not hand us a resolver: the config names them (and in the simulator
 * slirp would offer its forwarder, which the network rule forbids). */
#define LWIP_DHCP_MAX_DNS_SERVERS   0
/* The resolvers' port comes from network.dns ("host:port"), not a constant, so a
 * lab resolver on an unprivileged port works; all configured resolvers share it. */
#define DNS_SERVER_PORT             probebox_dns_server_port()
#define LWIP_DHCP_DOES_ACD_CHECK    0
#define DHCP_DOES_ARP_CHECK         0

/* One pcb per probe in flight and one for the mail alerts' relay, the web server's
 * connections, and the half-open connections its two listeners may hold (a backlog of
 * PROBEBOX_MAX_HTTP_CONNECTIONS each: a SYN flood from forged addresses keeps them
 * all, for 20 s each). TIME_WAIT needs no room of its own: lwIP recycles the oldest
 * when the pool is empty (listeners have their own pool). On the lab a flood of 50
 * SYNs a second took the pool to its last pcb with 16 probes in flight and no relay
 * (tests/netlab/test_netlab_target_limits.py). */
#define MEMP_NUM_TCP_PCB            (PROBEBOX_MAX_IN_FLIGHT + 1 + 3 * PROBEBOX_MAX_HTTP_CONNECTIONS)
#define MEMP_NUM_TCP_PCB_LISTEN     4
#define MEMP_NUM_UDP_PCB            (PROBEBOX_MAX_IN_FLIGHT + 8)
/* Segments queued to send or held out of order, shared by every connection: a
 * connection needs TCP_SND_QUEUELEN at most, and few send at once. */
#define MEMP_NUM_TCP_SEG            (TCP_SND_QUEUELEN + 2 * MEMP_NUM_TCP_PCB)
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
/* Every probe may start while 10.0.2.2 (or the gateway) is still being ARPed:
 * queue all their first packets, not just the latest. */
#define ARP_QUEUEING                1
#define MEMP_NUM_ARP_QUEUE          (PROBEBOX_MAX_IN_FLIGHT + 4)
#define ARP_QUEUE_LEN               (PROBEBOX_MAX_IN_FLIGHT + 4)
#define PBUF_POOL_SIZE              PROBEBOX_LWIP_PBUF_POOL_SIZE
#define PBUF_POOL_BUFSIZE           PROBEBOX_LWIP_PBUF_BYTES

#define TCP_MSS                     1460
/* The box opens a connection per check per interval and closes it first, so it holds
 * the TIME_WAIT (2 x MSL). With lwIP's 60 s MSL a few checks a second keep the pcb pool
 * permanently full and every connect recycles one by force. And lwIP's 250 ms TCP
 * timer runs while any pcb is in TIME_WAIT: between cycles its ticks wait for the
 * loop's other wake-ups (App::idle_wait_us), which stretches TIME_WAIT a little, as
 * lwIP counts it in ticks. 1 s of TIME_WAIT still re-acknowledges a server's FIN
 * retransmitted after a lost last ACK (Linux retransmits after 200 ms, then 400 ms);
 * later, the server gets a reset for a connection it was closing anyway. A delayed
 * segment cannot land in a new connection: lwIP's ephemeral ports come round again
 * only after 16,384 connections, 21 minutes even at 128 checks every 10 s. */
#define TCP_MSL                     500UL
/* core/limits.h says why these suffice for 16 KB TLS records. */
#define TCP_WND                     (PROBEBOX_TCP_WND_SEGMENTS * TCP_MSS)
#define TCP_SND_BUF                 (PROBEBOX_TCP_SND_BUF_SEGMENTS * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF) / TCP_MSS)
/* Out-of-order segments are dropped, not queued: each one queued holds a buffer of the
 * receive pool until its gap is filled, one per segment however small, so a client
 * sending tiny segments past a gap could hold every buffer of the target's pool, and
 * the probes' replies would find none (web/http_server.h, kHeldFrames, for the bytes
 * that arrive in order). lwIP still acknowledges at once what it dropped, so the
 * sender retransmits; on the appliance's LAN reordering is rare. */
#define TCP_QUEUE_OOSEQ             0
#define TCP_LISTEN_BACKLOG          1
#define LWIP_TCP_KEEPALIVE          0

/* No altcp: the probes and the web server drive mbedTLS themselves over raw TCP
 * (net/tls_bio.cpp); lwIP 2.1.3's (and 2.2.1's) altcp_tls_mbedtls.c is written for
 * mbedTLS 2.x and does not compile against 3.6. */
#define LWIP_ALTCP                  0
#define LWIP_ALTCP_TLS              0
#define LWIP_ALTCP_TLS_MBEDTLS      0

#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HOSTNAME         1
#define LWIP_SINGLE_NETIF           1

/* lwIP's SNMP agent with MIB-2 and the probebox MIB; traps to alerts.snmp.trap_to.
 * Raw API: the firmware runs without an OS. Read-only: the write community is ""
 * (lwIP's default "private" would accept sets). Which versions answer is set at run
 * time from alerts.snmp (none by default): v2c with a community, v3 (USM, SHA +
 * AES over mbedTLS, users and keys in alerts/snmp_agent.cpp) with a user. */
#define LWIP_SNMP                   1
#define SNMP_COMMUNITY              ""
#define SNMP_COMMUNITY_WRITE        ""
#define SNMP_COMMUNITY_TRAP         "public"
#define LWIP_SNMP_CONFIGURE_VERSIONS 1
#define LWIP_SNMP_V3                1
#define LWIP_SNMP_V3_MBEDTLS        1
#define SNMP_USE_RAW                1
#define SNMP_USE_NETCONN            0
#define SNMP_LWIP_MIB2              1
#define MIB2_STATS                  1
#define SNMP_TRAP_DESTINATIONS      4
#define SNMP_MAX_COMMUNITY_STR_LEN  32
#define SNMP_SAFE_REQUESTS          1
#define SNMP_LWIP_MIB2_SYSDESC      "probebox appliance infrastructure probe"
#define SNMP_LWIP_MIB2_SYSNAME      "probebox"
#define SNMP_LWIP_MIB2_SYSCONTACT   ""
#define SNMP_LWIP_MIB2_SYSLOCATION  ""

/* Counters and high-water marks of every pool: the soak and benchmarks read them. */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define LINK_STATS                  1
#define ETHARP_STATS                1
#define IP_STATS                    1
#define TCP_STATS                   1
#define UDP_STATS                   1
#define ICMP_STATS                  1
#define SYS_STATS                   0

#ifdef __cplusplus
extern "C" {
#endif
unsigned int probebox_lwip_rand(void);
unsigned short probebox_dns_server_port(void);
#ifdef __cplusplus
}
#endif
#define LWIP_RAND()                 probebox_lwip_rand()

#endif
