// libFuzzer: the SNTP reply parser against any datagram, as the answer to one request
// whose transmit time the input's originate field names (so the fuzzer reaches past
// the origin check) and to a retry's two requests, then the offset and round trip
// from the server's timestamps and ours.
#include <cstdint>
#include <cstddef>

#include "protocols/sntp_packet.h"

namespace {

uint32_t be32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace probebox::sntp;
  const NtpTimestamp other{0xEC000000u, 0x12345678u};
  const NtpTimestamp echoed = size >= 32 ? NtpTimestamp{be32(data + 24), be32(data + 28)} : other;
  SntpReply reply;
  probebox::Status alone = parse_response({data, size}, echoed, reply);
  if (!alone.ok() && reply.problem[0] == '\0') __builtin_trap();  // a refusal says why
  if (alone.ok() && reply.kiss_of_death && reply.kiss_code[4] != '\0') __builtin_trap();

  const NtpTimestamp sent[] = {other, echoed};
  size_t which = 0;
  // Another request's reply is refused, however the rest of it reads.
  size_t none = 0;
  if (parse_response({data, size}, {&other, 1}, reply, none).ok() && !(echoed == other)) __builtin_trap();

  probebox::Status retried = parse_response({data, size}, sent, reply, which);
  if (retried.ok() != alone.ok()) __builtin_trap();  // the retry's list holds the same request
  if (!retried.ok()) return 0;
  if (which >= 2) __builtin_trap();
  const int64_t t1 = to_unix_micros(echoed);
  // Our own request for that time holds it, and the seconds survive the round trip
  // through Unix time (before 1970 too).
  uint8_t request[kPacketBytes];
  build_request(request, from_unix_micros(t1));
  if (be32(request + 40) != echoed.seconds) __builtin_trap();
  const int64_t t4 = t1 + (size > 48 ? data[48] : 0) * 1000;
  // The server's timestamps are anyone's numbers: UBSan holds the arithmetic to
  // every value they can take.
  (void)compute(t1, to_unix_micros(reply.receive), to_unix_micros(reply.transmit), t4);
  return 0;
}
