// A stopped TLS 1.2 transcript (firmware/net/tls12_transcript.c): mbedTLS's own
// handshake code calls the replacement for every handshake message after the stop,
// and hashes nothing of it; a session that does not stop is hashed as before. That
// stop-early handshakes still prove the server is held by the tls_cert integration
// tests against real servers (tests/integration/test_tls_chain.py and others).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "fake_clock.h"
#include "fake_entropy.h"
#include "mbedtls/ssl.h"
#include "net/net_glue.h"
#include "net/tls12_transcript.h"

namespace probebox::net {
namespace {

int counting_rng(void* state, unsigned char* out, size_t len) {
  auto* n = static_cast<uint32_t*>(state);
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(++*n * 2654435761u >> 24);
  return 0;
}

int to_vector(void* ctx, const unsigned char* buf, size_t len) {
  auto* out = static_cast<std::vector<unsigned char>*>(ctx);
  out->insert(out->end(), buf, buf + len);
  return static_cast<int>(len);
}

int nothing_yet(void*, unsigned char*, size_t) { return MBEDTLS_ERR_SSL_WANT_READ; }

// A TLS 1.2 client that has written its ClientHello (and waits for the answer);
// `stop` stops its transcript first. Returns the bytes it sent.
std::vector<unsigned char> client_hello(bool stop, unsigned long& skipped) {
  // mbedTLS reads the board's clock for the ClientHello's time: bound to ones that
  // outlive the test (an earlier test's fixture may have left its own, now gone).
  static hal::FakeClock clock;
  static hal::FakeEntropy entropy;
  bind_platform(clock, entropy);
  uint32_t rng_state = 7;
  mbedtls_ssl_config conf;
  mbedtls_ssl_config_init(&conf);
  EXPECT_EQ(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT),
            0);
  mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
  mbedtls_ssl_conf_rng(&conf, counting_rng, &rng_state);
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  EXPECT_EQ(probebox_tls12_stop_transcript(&ssl), -1) << "no handshake under way before setup";
  EXPECT_EQ(mbedtls_ssl_setup(&ssl, &conf), 0);
  std::vector<unsigned char> sent;
  mbedtls_ssl_set_bio(&ssl, &sent, to_vector, nothing_yet, nullptr);
  if (stop) EXPECT_EQ(probebox_tls12_stop_transcript(&ssl), 0);
  const unsigned long before = probebox_tls12_transcript_skipped_bytes;
  int rc = 0;
  for (int steps = 0; steps < 8 && rc == 0; ++steps) rc = mbedtls_ssl_handshake_step(&ssl);
  EXPECT_EQ(rc, MBEDTLS_ERR_SSL_WANT_READ) << "the client waits for the ServerHello";
  skipped = probebox_tls12_transcript_skipped_bytes - before;
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  return sent;
}

TEST(Tls12Transcript, AStoppedTranscriptTakesNoHandshakeMessage) {
  unsigned long skipped = 0;
  const auto sent = client_hello(true, skipped);
  ASSERT_GT(sent.size(), 9u);
  ASSERT_EQ(sent[0], 22) << "a handshake record";
  ASSERT_EQ(sent[5], 1) << "a ClientHello";
  // The whole ClientHello, its 4-byte handshake header included, went to the
  // replacement instead of SHA-256 and SHA-384.
  EXPECT_EQ(skipped, sent.size() - 5);
}

TEST(Tls12Transcript, AHandshakeNotStoppedIsHashedAsBefore) {
  unsigned long skipped = 0;
  const auto sent = client_hello(false, skipped);
  ASSERT_GT(sent.size(), 9u);
  EXPECT_EQ(skipped, 0u);
}

}  // namespace
}  // namespace probebox::net
