// libFuzzer: the first record a server sends back to the hand-built TLS 1.0/1.1
// ClientHello, read as the answer to either version; then the hello itself with a
// server name taken from the input, into a buffer of a size the input chooses.
#include <array>
#include <cstdint>
#include <cstddef>
#include <string_view>

#include "protocols/tls_legacy_hello.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tl = probebox::tls_legacy;
  using Kind = tl::Answer::Kind;
  for (uint16_t offered : {tl::kTls10, tl::kTls11}) {
    tl::Answer a = tl::read_answer({data, size}, offered);
    if (a.kind == Kind::kAccepted && a.server_version != offered) __builtin_trap();
    if (a.kind == Kind::kDowngraded && a.server_version == offered) __builtin_trap();
    if (a.kind != Kind::kNeedMore && size < 5) __builtin_trap();
    (void)tl::version_name(a.server_version);
  }

  std::array<uint8_t, 32> random{};
  for (size_t i = 0; i < random.size() && i < size; ++i) random[i] = data[i];
  std::string_view name(reinterpret_cast<const char*>(data), size < 300 ? size : 300);
  std::array<uint8_t, tl::kMaxHelloBytes> hello{};
  size_t room = size > 0 ? (static_cast<size_t>(data[size - 1]) * 2) % (hello.size() + 1) : hello.size();
  auto built = tl::build_client_hello({hello.data(), room}, size % 2 ? tl::kTls11 : tl::kTls10, name, random);
  if (tl::build_client_hello(hello, 0x0303, name, random).ok()) __builtin_trap();  // 1.0 and 1.1 only
  if (built.ok()) {
    if (built.value() > room || built.value() < 5) __builtin_trap();
    // What it built is a handshake record of the length its header says.
    if (hello[0] != 22 || static_cast<size_t>(hello[3] << 8 | hello[4]) + 5 != built.value()) __builtin_trap();
  }
  return 0;
}
