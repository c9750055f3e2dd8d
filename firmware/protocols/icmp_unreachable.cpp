#include "protocols/icmp_unreachable.h"

namespace probebox::icmp {
namespace {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kTypeDestinationUnreachable = 3;
constexpr size_t kIcmpHeaderBytes = 8;
constexpr size_t kQuotedTransportBytes = 8;  // RFC 792: at least the first 64 bits

uint16_t be16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

bool checksum_holds(std::span<const uint8_t> message) {
  uint32_t acc = 0;
  for (size_t i = 0; i + 1 < message.size(); i += 2) acc += be16(message, i);
  if (message.size() & 1) acc += static_cast<uint32_t>(message[message.size() - 1]) << 8;
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return acc == 0xFFFF;
}

// Length of an IPv4 header at `at`, or 0 when it is not one.
size_t ipv4_header_bytes(std::span<const uint8_t> b, size_t at) {
  if (b.size() < at + 20 || (b[at] >> 4) != 4) return 0;
  size_t ihl = static_cast<size_t>(b[at] & 0x0F) * 4;
  return ihl < 20 || b.size() < at + ihl ? 0 : ihl;
}

}  // namespace

Status parse_unreachable(std::span<const uint8_t> d, Unreachable& out) {
  if (d.size() < 20) return StatusCode::kDataLoss;
  size_t ihl = ipv4_header_bytes(d, 0);
  if (ihl == 0 || d[9] != kProtoIcmp) return StatusCode::kInvalidArgument;
  size_t total = be16(d, 2);
  if (total < ihl + kIcmpHeaderBytes || total > d.size()) return StatusCode::kDataLoss;
  std::span<const uint8_t> message = d.subspan(ihl, total - ihl);
  if (!checksum_holds(message)) return StatusCode::kInvalidArgument;
  if (message[0] != kTypeDestinationUnreachable) return StatusCode::kNotFound;

  size_t quoted = kIcmpHeaderBytes;
  size_t quoted_ihl = ipv4_header_bytes(message, quoted);
  if (quoted_ihl == 0) return StatusCode::kDataLoss;
  if (message[quoted + 9] != kProtoTcp) return StatusCode::kNotFound;
  size_t transport = quoted + quoted_ihl;
  if (message.size() < transport + kQuotedTransportBytes) return StatusCode::kDataLoss;

  out.code = message[1];
  out.reporter = be32(d, 12);
  out.quoted_src = be32(message, quoted + 12);
  out.quoted_dst = be32(message, quoted + 16);
  out.quoted_src_port = be16(message, transport);
  out.quoted_dst_port = be16(message, transport + 2);
  out.quoted_seq = be32(message, transport + 4);
  return Status::Ok();
}

bool proves_no_path(uint8_t code) {
  switch (code) {
    case 0:   // net unreachable
    case 1:   // host unreachable
    case 6:   // destination network unknown
    case 7:   // destination host unknown
    case 8:   // source host isolated
    case 9:   // network administratively prohibited
    case 10:  // host administratively prohibited
    case 13:  // communication administratively prohibited (RFC 1812)
      return true;
    default:
      return false;
  }
}

const char* code_name(uint8_t code) {
  static constexpr const char* kNames[] = {
      "net unreachable",         "host unreachable",         "protocol unreachable",
      "port unreachable",        "fragmentation needed",     "source route failed",
      "network unknown",         "host unknown",             "source host isolated",
      "network prohibited",      "host prohibited",          "network unreachable for TOS",
      "host unreachable for TOS", "administratively prohibited", "host precedence violation",
      "precedence cutoff"};
  return code < sizeof(kNames) / sizeof(kNames[0]) ? kNames[code] : "unreachable (unknown code)";
}

}  // namespace probebox::icmp
