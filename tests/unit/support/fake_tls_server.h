// A TLS 1.2/1.3 server for FakePeer's TCP stream: mbedTLS's ssl server over the bytes of
// one connection, with the hostile lab's self-signed RSA-2048 certificate for
// hostile.lab.test (2026-11-23 .. 2056-11-15) and an RNG on a fixed seed, so every
// run sends the same handshake. After the handshake, an optional inner conversation
// gets the decrypted bytes and its reply goes back encrypted.
#pragma once
#include <memory>
#include <string_view>

#include "fake_peer.h"

namespace probebox::test {

// The lab certificate (PEM), for trust anchors.
std::string_view lab_cert_pem();
// Its private key (PEM), for a test that runs a server of its own.
std::string_view lab_key_pem();
// A conversation that plays the server side of TLS over every byte it is given (a
// fresh session each time it is called with none), then `inner` over the plaintext.
FakePeer::Conversation tls_server(FakePeer::Conversation inner = nullptr);
// The same server accepting only TLS 1.3 (a ClientHello offering only 1.2 gets the
// protocol_version alert).
FakePeer::Conversation tls13_only_server(FakePeer::Conversation inner = nullptr);

// Session tickets for tls_server_with_tickets (TLS 1.2) and
// tls13_only_server_with_tickets: the ticket is the server's
// session as mbedtls_ssl_session_save writes it (in clear: a test's ticket). `accept`
// false: every ticket is refused (a full handshake follows, as a server that lost its
// ticket key does); the counts are what the server saw.
struct TicketPolicy {
  bool accept = true;
  // The server's ticket key, as a tag in front of the ticket: a server takes only the
  // tickets it issued (nodes behind a load balancer, nginx's key per node).
  uint8_t key = 0;
  int issued = 0;
  int resumed = 0;   // tickets accepted: abbreviated handshakes
  int handshakes = 0;  // handshakes completed, full or resumed
};
FakePeer::Conversation tls_server_with_tickets(std::shared_ptr<TicketPolicy> tickets,
                                               FakePeer::Conversation inner = nullptr);
// The same, accepting only TLS 1.3: its tickets (PSKs, for psk_dhe_ke) are sent
// right after the handshake.
FakePeer::Conversation tls13_only_server_with_tickets(std::shared_ptr<TicketPolicy> tickets,
                                                      FakePeer::Conversation inner = nullptr);

}  // namespace probebox::test
