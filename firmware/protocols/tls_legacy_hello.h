// Does a server still accept TLS 1.0 or 1.1? (spec/checks.md, tls_cert: the
// appliance dashboard has "Disable TLSv1/TLSv1.1" toggles.) The box's TLS library
// has no 1.0/1.1 at all, and needs none for this: a hand-built ClientHello offering
// only the old version, and the first record of the answer — a ServerHello naming
// that version (accepted) or an alert (refused) — tell it, with no crypto. Pure
// functions over bytes.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"

namespace probebox::tls_legacy {

inline constexpr uint16_t kTls10 = 0x0301;
inline constexpr uint16_t kTls11 = 0x0302;
// Enough for the hello with a 253-character server name.
inline constexpr size_t kMaxHelloBytes = 512;

// Writes one handshake record with a ClientHello offering only `version` (1.0 or
// 1.1) and the CBC suites servers of that era speak, with SNI when `server_name`
// is a name. Returns the record's length, or kOutOfRange if `out` is too small,
// kInvalidArgument for another version.
[[nodiscard]] Result<size_t> build_client_hello(std::span<uint8_t> out, uint16_t version, std::string_view server_name,
                                                std::span<const uint8_t, 32> random);

struct Answer {
  enum class Kind : uint8_t {
    kNeedMore,    // not enough bytes yet to tell
    kAccepted,    // a ServerHello for the offered version
    kDowngraded,  // a ServerHello for another (older) version: not ours either
    kRefused,     // an alert (`alert` says which)
    kNotTls,      // something else: not a TLS server, or a broken one
  };
  Kind kind = Kind::kNeedMore;
  uint16_t server_version = 0;
  uint8_t alert = 0;
};

// Reads the start of what the server sent after the hello.
Answer read_answer(std::span<const uint8_t> bytes, uint16_t offered);

// "1.0", "1.1", "SSL 3.0", "?".
const char* version_name(uint16_t version);

}  // namespace probebox::tls_legacy
