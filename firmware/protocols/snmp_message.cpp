#include "protocols/snmp_message.h"

namespace probebox::snmp_message {
namespace {

constexpr uint8_t kSequence = 0x30;
constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kOctetString = 0x04;

// A cursor over the window; `limit` is the end of the enclosing value.
struct Reader {
  std::span<const uint8_t> bytes;
  size_t at = 0;

  // Reads a tag and a definite length (short form, or long form of 1-2 octets).
  bool header(uint8_t want_tag, size_t& length) {
    if (at + 2 > bytes.size() || bytes[at] != want_tag) return false;
    uint8_t first = bytes[at + 1];
    at += 2;
    if (first < 0x80) {
      length = first;
      return true;
    }
    size_t octets = first & 0x7F;
    if (octets == 0 || octets > 2 || at + octets > bytes.size()) return false;
    length = 0;
    for (size_t i = 0; i < octets; ++i) length = length << 8 | bytes[at + i];
    at += octets;
    return true;
  }

  // A primitive value that must lie inside the window.
  bool value(uint8_t tag, size_t max_length, size_t* length_out = nullptr) {
    size_t length = 0;
    if (!header(tag, length) || length > max_length || at + length > bytes.size()) return false;
    at += length;
    if (length_out != nullptr) *length_out = length;
    return true;
  }
};

}  // namespace

Verdict check(std::span<const uint8_t> bytes, size_t total_length) {
  Reader r{bytes};
  size_t length = 0;
  // Message ::= SEQUENCE { version INTEGER, ... } spanning the whole datagram.
  if (!r.header(kSequence, length) || r.at + length != total_length) return Verdict::kReject;
  size_t version_length = 0;
  if (!r.value(kInteger, 4, &version_length)) return Verdict::kReject;
  // Not SNMPv3 (v1/v2c, or a version lwIP refuses): lwIP's own checks apply.
  if (version_length != 1 || bytes[r.at - 1] != 3) return Verdict::kPass;
  // msgGlobalData ::= SEQUENCE { msgID, msgMaxSize INTEGER, msgFlags OCTET STRING (1), msgSecurityModel INTEGER }
  size_t global_length = 0;
  if (!r.header(kSequence, global_length)) return Verdict::kReject;
  size_t global_end = r.at + global_length;
  size_t flags_length = 0;
  if (!r.value(kInteger, 4) || !r.value(kInteger, 4) || !r.value(kOctetString, 1, &flags_length) ||
      flags_length != 1 || !r.value(kInteger, 4) || r.at != global_end) {
    return Verdict::kReject;
  }
  // msgSecurityParameters: an OCTET STRING wrapping the USM SEQUENCE.
  size_t wrapper_length = 0, usm_length = 0;
  if (!r.header(kOctetString, wrapper_length)) return Verdict::kReject;
  size_t wrapper_end = r.at + wrapper_length;
  if (!r.header(kSequence, usm_length) || r.at + usm_length != wrapper_end) return Verdict::kReject;
  if (!r.value(kOctetString, kMaxEngineIdBytes) || !r.value(kInteger, 4) || !r.value(kInteger, 4) ||
      !r.value(kOctetString, kMaxUserNameBytes) || !r.value(kOctetString, kMaxAuthParamBytes) ||
      !r.value(kOctetString, kMaxPrivParamBytes) || r.at != wrapper_end) {
    return Verdict::kReject;
  }
  return Verdict::kPass;
}

}  // namespace probebox::snmp_message
