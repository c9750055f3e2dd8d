// SNTP (RFC 4330) packets: the client request, the server's reply, and the offset
// and round trip from the four timestamps. Pure functions over bytes.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "core/status.h"

namespace probebox::sntp {

inline constexpr size_t kPacketBytes = 48;

// 32.32 fixed point seconds since 1900-01-01 (era 0), as on the wire.
struct NtpTimestamp {
  uint32_t seconds = 0;
  uint32_t fraction = 0;
  friend bool operator==(NtpTimestamp a, NtpTimestamp b) { return a.seconds == b.seconds && a.fraction == b.fraction; }
};

// Unix microseconds <-> NTP. Timestamps with the top bit clear are taken to be in
// era 1 (after 2036-02-07), as RFC 4330 section 3 suggests.
NtpTimestamp from_unix_micros(int64_t unix_micros);
int64_t to_unix_micros(NtpTimestamp t);

struct SntpReply {
  uint8_t leap = 0;
  uint8_t version = 0;
  uint8_t stratum = 0;
  bool kiss_of_death = false;  // stratum 0: `kiss_code` says why (RATE, DENY, RSTR...)
  std::array<char, 5> kiss_code{};
  bool unsynchronised = false;  // LI = 3 or stratum 16: the server itself has no time
  NtpTimestamp receive;         // T2
  NtpTimestamp transmit;        // T3
  // Why the packet was refused ("" when accepted), in words for the check's summary.
  const char* problem = "";
};

// A client request (mode 3, version 4) whose transmit time is `transmit`: it cannot
// fail, the packet has a fixed size.
void build_request(std::span<uint8_t, kPacketBytes> out, NtpTimestamp transmit);
// kInvalidArgument: not a server reply to our request (mode, version, originate
// mismatch); kDataLoss: short or empty.
Status parse_response(std::span<const uint8_t> packet, NtpTimestamp sent_transmit, SntpReply& out);
// The same for a client that sent several requests (a retry): the reply may answer
// any of them; `which` is the index of the one it answers.
Status parse_response(std::span<const uint8_t> packet, std::span<const NtpTimestamp> sent, SntpReply& out,
                      size_t& which);

struct OffsetDelay {
  int64_t offset_us;
  int64_t delay_us;
};
// T1 sent, T2 server received, T3 server sent, T4 received, as Unix microseconds.
OffsetDelay compute(int64_t t1, int64_t t2, int64_t t3, int64_t t4);

}  // namespace probebox::sntp
