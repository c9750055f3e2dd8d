// A bounds check on an incoming SNMP message, before lwIP's agent parses it.
// lwIP 2.1.3's SNMPv3 parser copies msgAuthenticationParameters into a 12-octet
// field of its request state with the field's own length as the limit: a longer
// one overwrites the stack before anything is authenticated. This walks the
// message's outer structure and, for SNMPv3, every USM field up to
// msgPrivacyParameters, and lets a message through only when each fits lwIP's
// buffers. Pure: bytes in, verdict out.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace probebox::snmp_message {

enum class Verdict {
  kPass,    // not SNMPv3 (lwIP checks the rest), or an SNMPv3 header within bounds
  kReject,  // malformed, or a USM field longer than lwIP can hold
};

// lwIP's limits (apps/snmp/snmpv3_priv.h).
inline constexpr size_t kMaxEngineIdBytes = 32;
inline constexpr size_t kMaxUserNameBytes = 32;
inline constexpr size_t kMaxAuthParamBytes = 12;
inline constexpr size_t kMaxPrivParamBytes = 8;
// Bytes of a message the check needs at most: a header within the bounds above
// ends well before this.
inline constexpr size_t kHeaderWindowBytes = 256;

// `bytes`: the start of the datagram (at most kHeaderWindowBytes of it);
// `total_length`: the whole datagram's length.
Verdict check(std::span<const uint8_t> bytes, size_t total_length);

}  // namespace probebox::snmp_message
