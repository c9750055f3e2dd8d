// Which http checks may send their requests one after another over one connection
// within a cycle (HTTP/1.1 persistence, RFC 9112 9.3). The appliance profile points
// several at one server: a node's /testall and its /health/status/* checks, the
// HTTPS-only checks of every name on the load balancer's port 80. Each request on a
// connection the last check left open spares the box, and the appliance, a TCP
// handshake, a TLS handshake and a close; each check still sends its own request and
// judges its own answer, and over https its own verdict on the certificate of the
// session (the name, the trust, the credentials rule).
//
// What a shared connection no longer shows, each check's own connect and handshake,
// the first check of the server shows every cycle; the balancer's /testall, which
// must reach its nodes on new connections, never shares.
#pragma once
#include <string_view>

#include "config/config_model.h"

namespace probebox {

// The name an http check's TLS session is for (its SNI and the certificate's name
// check): the Host it sends, else the URL's host.
std::string_view http_tls_name(const Config& config, const CheckConfig& check);
// The target an http check requests: the URL's path and query, "/" when it has none.
std::string_view http_request_path(const Config& config, const CheckConfig& check);

// `next` may send its request on the connection `first` leaves open: both http, the
// same server (the URL's host as written, port, scheme) and, over https, the same
// TLS name, and not the same request (path and Host): a request repeated is a sample,
// of a balancer's nodes perhaps, which a connection of its own gives; neither is the
// load balancer's /testall (kLbTestall), for that reason. In clear the Host may
// differ: a request names its own.
bool http_shares_connection(const Config& config, const CheckConfig& first, const CheckConfig& next);

}  // namespace probebox
