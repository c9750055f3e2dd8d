// TLS errors in the words of a check's summary: what the server did, not mbedTLS's view.
#include <gtest/gtest.h>

#include "mbedtls/asn1.h"
#include "mbedtls/bignum.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"
#include "mbedtls/x509.h"
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
  std::string text = describe(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE);
  EXPECT_NE(text.find("SSL"), std::string::npos) << text;
}

TEST(TlsError, AnAllocationFailedAtAnyLevelIsTheBoxsMemory) {
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_SSL_ALLOC_FAILED));
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_X509_ALLOC_FAILED));
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_PK_ALLOC_FAILED));
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_MPI_ALLOC_FAILED));
  // A high-level code with a low-level one added, as X.509 parsing returns them.
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_X509_INVALID_FORMAT + MBEDTLS_ERR_ASN1_ALLOC_FAILED));
  EXPECT_TRUE(tls_lacked_memory(MBEDTLS_ERR_RSA_PUBLIC_FAILED + MBEDTLS_ERR_MPI_ALLOC_FAILED));
  EXPECT_FALSE(tls_lacked_memory(0));
  EXPECT_FALSE(tls_lacked_memory(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE));
  EXPECT_FALSE(tls_lacked_memory(MBEDTLS_ERR_X509_INVALID_FORMAT + MBEDTLS_ERR_ASN1_OUT_OF_DATA));
  EXPECT_FALSE(tls_lacked_memory(MBEDTLS_ERR_SSL_CONN_EOF));
  EXPECT_EQ(describe(MBEDTLS_ERR_SSL_ALLOC_FAILED), "no TLS memory free on the box");
}

}  // namespace
}  // namespace probebox::net
