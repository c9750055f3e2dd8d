// TLS errors in the words of a check's summary: what the server did, not mbedTLS's view.
#include <gtest/gtest.h>

#include "net/tls_client.h"

namespace probebox::net {
namespace {

std::string describe(int code) {
  FixedText<120> out;
  describe_tls_error(code, out);
  return std::string(out.view());
}

TEST(TlsError, PeerGarbageIsNamedFromTheServersSide) {
  // A handshake record of random bytes announces a message longer than its record.
  EXPECT_EQ(describe(MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE), "malformed or unsupported handshake message");
  EXPECT_EQ(describe(MBEDTLS_ERR_SSL_INVALID_RECORD), "the server sent an invalid TLS record");
  EXPECT_EQ(describe(MBEDTLS_ERR_SSL_CONN_EOF), "the server closed the connection");
}

TEST(TlsError, OtherCodesKeepMbedtlsText) {
  std::string text = describe(MBEDTLS_ERR_SSL_ALLOC_FAILED);
  EXPECT_NE(text.find("SSL"), std::string::npos) << text;
}

}  // namespace
}  // namespace probebox::net
