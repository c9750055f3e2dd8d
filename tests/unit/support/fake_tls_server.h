// A TLS 1.2 server for FakePeer's TCP stream: mbedTLS's ssl server over the bytes of
// one connection, with the hostile lab's self-signed RSA-2048 certificate for
// hostile.lab.test (2026-11-23 .. 2056-11-15) and an RNG on a fixed seed, so every
// run sends the same handshake. It only shakes hands; application data is ignored.
#pragma once
#include <string_view>

#include "fake_peer.h"

namespace probebox::test {

// The lab certificate (PEM), for trust anchors.
std::string_view lab_cert_pem();
// A conversation that plays the server side of one TLS handshake per connection.
FakePeer::Conversation tls_server();

}  // namespace probebox::test
