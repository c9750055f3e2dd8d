#include "protocols/sntp_packet.h"

#include <string_view>

namespace probebox::sntp {
namespace {

constexpr int64_t kUnixToNtpSeconds = 2208988800LL;  // 1900-01-01 to 1970-01-01
constexpr int64_t kEraSeconds = 1LL << 32;

uint32_t rd32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
void wr32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

constexpr const char* kWrongOrigin = "reply with a wrong origin timestamp";

}  // namespace

NtpTimestamp from_unix_micros(int64_t unix_micros) {
  int64_t seconds = unix_micros / 1'000'000;
  int64_t micros = unix_micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  NtpTimestamp t;
  t.seconds = static_cast<uint32_t>((seconds + kUnixToNtpSeconds) % kEraSeconds);
  t.fraction = static_cast<uint32_t>((static_cast<uint64_t>(micros) << 32) / 1'000'000);
  return t;
}

int64_t to_unix_micros(NtpTimestamp t) {
  int64_t seconds = t.seconds;
  if ((t.seconds & 0x80000000u) == 0) seconds += kEraSeconds;  // era 1
  int64_t micros = static_cast<int64_t>((static_cast<uint64_t>(t.fraction) * 1'000'000) >> 32);
  return (seconds - kUnixToNtpSeconds) * 1'000'000 + micros;
}

void build_request(std::span<uint8_t, kPacketBytes> out, NtpTimestamp transmit) {
  for (auto& b : out) b = 0;
  out[0] = (0 << 6) | (4 << 3) | 3;  // LI 0, version 4, mode 3 (client)
  wr32(&out[40], transmit.seconds);
  wr32(&out[44], transmit.fraction);
}

Status parse_response(std::span<const uint8_t> p, NtpTimestamp sent_transmit, SntpReply& out) {
  out = SntpReply{};
  if (p.size() < kPacketBytes) {
    out.problem = "reply too short";
    return StatusCode::kDataLoss;
  }
  out.leap = p[0] >> 6;
  out.version = (p[0] >> 3) & 7;
  uint8_t mode = p[0] & 7;
  out.stratum = p[1];
  if (mode != 4 || out.version < 1 || out.version > 4) {
    out.problem = "not a server reply";
    return StatusCode::kInvalidArgument;
  }
  // The server echoes our transmit time as its originate: anything else is not an
  // answer to this request (late, spoofed or for someone else).
  NtpTimestamp originate{rd32(&p[24]), rd32(&p[28])};
  if (!(originate == sent_transmit)) {
    out.problem = kWrongOrigin;
    return StatusCode::kInvalidArgument;
  }
  out.receive = {rd32(&p[32]), rd32(&p[36])};
  out.transmit = {rd32(&p[40]), rd32(&p[44])};
  if (out.stratum == 0) {
    out.kiss_of_death = true;
    for (int i = 0; i < 4; ++i) {
      char c = static_cast<char>(p[12 + i]);
      out.kiss_code[static_cast<size_t>(i)] = (c >= 32 && c < 127) ? c : '?';
    }
    return Status();
  }
  out.unsynchronised = out.leap == 3 || out.stratum >= 16;
  if (out.transmit.seconds == 0 && out.transmit.fraction == 0) {
    out.problem = "reply without a transmit timestamp";
    return StatusCode::kDataLoss;
  }
  return Status();
}

Status parse_response(std::span<const uint8_t> p, std::span<const NtpTimestamp> sent, SntpReply& out,
                      size_t& which) {
  Status s = StatusCode::kInvalidArgument;
  for (which = 0; which < sent.size(); ++which) {
    s = parse_response(p, sent[which], out);
    if (s.code() != StatusCode::kInvalidArgument) return s;
    // Only the origin can differ from one request to the next: other refusals are final.
    if (std::string_view(out.problem) != kWrongOrigin) return s;
  }
  return s;
}

OffsetDelay compute(int64_t t1, int64_t t2, int64_t t3, int64_t t4) {
  return {((t2 - t1) + (t3 - t4)) / 2, (t4 - t1) - (t3 - t2)};
}

}  // namespace probebox::sntp
