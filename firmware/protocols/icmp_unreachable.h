// ICMPv4 destination-unreachable messages (RFC 792, RFC 1812 §5.2.7) about a TCP
// connection the box opened: which connection the message quotes and what its code
// says. Pure functions over bytes; a raw lwIP pcb hands them over (net/icmp_watch).
#pragma once
#include <cstdint>
#include <span>

#include "core/status.h"

namespace probebox::icmp {

// The datagram as lwIP's raw pcb sees it: from the outer IPv4 header.
struct Unreachable {
  uint8_t code = 0;
  uint32_t reporter = 0;    // who sent the ICMP message (host byte order)
  uint32_t quoted_src = 0;  // the quoted datagram's addresses: ours, and the target
  uint32_t quoted_dst = 0;
  uint16_t quoted_src_port = 0;
  uint16_t quoted_dst_port = 0;
  uint32_t quoted_seq = 0;  // the quoted TCP segment's sequence number
};

// kNotFound: an IPv4 datagram, but not a destination-unreachable about TCP (another
// ICMP type, another quoted protocol); kDataLoss: too short or inconsistent lengths;
// kInvalidArgument: not IPv4 ICMP, or the ICMP checksum is wrong.
[[nodiscard]] Status parse_unreachable(std::span<const uint8_t> ip_datagram, Unreachable& out);

// Whether the code says no path leads to the host (net/host unreachable or unknown,
// an administrative prohibition): isolation holds. Port or protocol unreachable
// (and the rest) mean something on the path answered for the host: it is reachable.
bool proves_no_path(uint8_t code);

// "net unreachable", "port unreachable", "administratively prohibited" ...
const char* code_name(uint8_t code);

}  // namespace probebox::icmp
