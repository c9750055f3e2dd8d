// `http` check: an HTTP/1.1 GET of the URL over TCP, or over TLS for https (the
// same trust anchors as tls_cert, the host name checked), the response parsed
// incrementally and bounded, redirects reported and never followed; the verdict
// rules of spec/checks.md. Basic credentials go only over https, after the server's
// certificate is judged good (trusted, for the name, in date), never before.
// Through a load balancer (the profile's role kLbTestall) it makes several requests,
// each on a new connection, and stops at the first that is not OK: a balancer that
// hands users to a failed node shows (monitor/lb_health judges it against the nodes).
//
// A check that another may follow on the same server (CheckMemory::passes_link,
// probes/link_reuse.h) keeps a connection its answer left fit for another request
// open (kKept); started again on that probe, the next check sends its request there,
// with no connect and no handshake, and judges the session's certificate for itself.
// Should the server have closed it before any byte of the answer, the request goes
// again on a new connection within the same deadline.
#pragma once
#include "probes/probe.h"
#include "protocols/http_response.h"

namespace probebox {

class HttpProbe final : public Probe {
 public:
  enum class State : uint8_t {
    kIdle,
    kResolving,
    kConnecting,
    kHandshake,
    kResponse,
    kNextSample,
    kReconnect,  // the kept connection ended before the answer: a new one from the next poll
    kKept,       // finished, the connection open for the next check (DoKeepsLinkFor)
    kDone
  };
  // Requests a load balancer's /testall makes in one run: enough that round-robin
  // reaches every node (twice the nodes), bounded.
  // A run ends sooner once as many distinct nodes as the profile has have answered ok:
  // more requests would only reach them again.
  static constexpr uint8_t kMaxSamples = 6;

  HttpProbe() = default;
  HttpProbe(const HttpProbe&) = delete;
  HttpProbe& operator=(const HttpProbe&) = delete;
  // A kept connection no check took ends here, with the RST every answered request
  // ends with; then the https link's session goes back (net::TlsSessions).
  ~HttpProbe() {
    if (state_ == State::kKept) drop_kept();
    link_.give_back_tls();
  }

 private:
  void DoStart() override;
  void DoRelease() override;
  void DoDescribeTimeout() override;
  bool DoStarvedForMemory() const override { return link_.starved_for_memory(); }
  void DoDetails(ProbeDetails& details) const override;
  bool DoKeepsLinkFor(const CheckConfig& next) const override;
  static void on_bytes(net::LinkOwner& self, std::span<const uint8_t> bytes) { static_cast<HttpProbe&>(self).consume(bytes); }

  void process(net::LinkEvent event) override;
  void connect();
  void handshake();
  // The session's certificate judged for this check (the credentials rule, the name,
  // the trust); false when that failed the probe. `verified_by_handshake`: the
  // handshake verified the chain to the anchors.
  bool judge_certificate(bool& verified_by_handshake);
  // The request on the connection the check before kept (DoStart of a passed link).
  void send_on_kept();
  // The kept connection ended before any byte of the answer: true when the request
  // goes again on a new connection (from the next poll).
  bool retry_fresh();
  // Ends a kept connection no check will send on (the one teardown of kKept).
  void drop_kept();
  Status start_tls();
  void forget_session();
  void keep_session(bool verified_by_handshake, uint64_t leaf_id);
  // The node that answered (X-Auth0-Host, else the certificate), once the response
  // named it: the full handshake's session kept as that node's, the order learnt.
  void keep_node_session(std::string_view node);
  void send_request();
  std::string_view tls_name() const;
  std::string_view path() const;  // the request target from the check's url
  void consume(std::span<const uint8_t> bytes);
  void lost();
  void conclude();
  void fail(Outcome outcome, std::string_view why) override;

  void note_answered_by(std::string_view node);
  // A new response: the parser, and the body's scan for what the check expects.
  void new_response();

  // After a failed handshake: true when the probe connects again offering TLS 1.3
  // (the server refused 1.2, for the first time in this run).
  bool retry_with_tls13();

  State state_ = State::kIdle;
  // The version offered: 1.2, then 1.3 for a server that accepts nothing older (for
  // the rest of the run: every sample); refused_12_ is how it refused 1.2
  // (TlsClientSession::refusal()).
  net::TlsVersion version_ = net::TlsVersion::k12;
  int16_t refused_12_ = 0;
  uint8_t samples_ = 1;
  uint8_t sample_ = 1;
  uint8_t nodes_ = 0;           // the profile's nodes behind a load balancer (kLbTestall only)
  uint8_t nodes_answered_ = 0;  // distinct names in answered_by_
  hal::MonoMicros sample_started_ = 0;
  hal::MonoMicros slowest_sample_us_ = 0;
  SmallText<96> answered_by_;  // distinct X-Auth0-Host values (else certificates) over the samples
  SmallText<16> cert_id_;      // "cert:" and the first 4 bytes of the leaf's SHA-256
  uint32_t session_key_ = 0;         // the offered node's slot in env().sessions (0: none)
  uint32_t server_key_ = 0;          // the server's key; each node's slot is apart (node_key)
  uint64_t node_leaf_ = 0;           // a full handshake: the leaf of the session to keep (0: none)
  uint32_t session_generation_ = 0;  // the store's generation when the handshake began
  uint64_t offered_leaf_ = 0;        // the offered session's leaf fingerprint (0: none offered)
  net::TcpLink link_;
  http::ResponseParser parser_;
  http::BodyScan body_;  // the body is judged as it streams, never kept
  // The details: the facts without strings; after a response was judged
  // (judged_) the strings are the parser's location, body_'s services (when
  // services_shown_) and answered_by_.
  KeptFacts<HttpDetails> facts_;
  bool judged_ = false;
  bool services_shown_ = false;
  bool reused_ = false;  // this run's request went on the connection the check before kept
  bool keep_ = false;    // the answer left the connection fit for the next check: DoRelease keeps it
};

}  // namespace probebox
