// The sliced PBKDF2-HMAC-SHA256 against published vectors and against mbedTLS's
// one-shot mbedtls_pkcs5_pbkdf2_hmac (derive_password_hash), whatever the slice size.
#include "web/pbkdf2.h"

#include <gtest/gtest.h>

#include <string>

#include "net/tls_memory.h"
#include "web/admin_auth.h"

namespace probebox {
namespace {

std::string hex(const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

// Runs a derivation to its end in slices of `slice`; returns the hex output and
// the number of step() calls it took.
std::string derive(std::string_view password, std::string_view salt, uint32_t iterations, size_t length,
                   uint32_t slice, int* steps = nullptr) {
  Pbkdf2Sha256 kdf;
  EXPECT_TRUE(kdf.start(password, reinterpret_cast<const uint8_t*>(salt.data()), salt.size(), iterations, length));
  int n = 0;
  while (!kdf.step(slice)) ++n;
  ++n;
  if (steps != nullptr) *steps = n;
  EXPECT_TRUE(kdf.ok());
  return kdf.ok() ? hex(kdf.output(), kdf.output_length()) : std::string();
}

class Pbkdf2Test : public ::testing::Test {
 protected:
  void SetUp() override { net::tls_memory_init(); }
};

// RFC 7914 section 11, PBKDF2-HMAC-SHA256 (two 32-byte blocks each).
TEST_F(Pbkdf2Test, Rfc7914Vectors) {
  EXPECT_EQ(derive("passwd", "salt", 1, 64, 64),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  EXPECT_EQ(derive("Password", "NaCl", 80000, 64, 997),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

// The RFC 6070 inputs with SHA-256 (values as Python's hashlib.pbkdf2_hmac gives them),
// one of them longer than a block and cut mid-block.
TEST_F(Pbkdf2Test, Rfc6070InputsWithSha256) {
  EXPECT_EQ(derive("password", "salt", 4096, 32, 1), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  EXPECT_EQ(derive("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40, 100),
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9");
}

TEST_F(Pbkdf2Test, MatchesMbedtlsOneShotForTheStoredFormat) {
  AdminCredentials params;
  params.iterations = AdminAuth::kIterations;
  for (uint8_t i = 0; i < params.salt.size(); ++i) params.salt[i] = static_cast<uint8_t>(0xA5 ^ (i * 37));
  std::array<uint8_t, AdminCredentials::kHashBytes> expected{};
  ASSERT_TRUE(derive_password_hash("a long admin password", params, expected));
  std::string salt(reinterpret_cast<const char*>(params.salt.data()), params.salt.size());
  for (uint32_t slice : {1u, 7u, AdminAuth::kIterationsPerSlice, 10'000u, 20'000u}) {
    EXPECT_EQ(derive("a long admin password", salt, params.iterations, 32, slice), hex(expected.data(), 32))
        << "slice " << slice;
  }
}

TEST_F(Pbkdf2Test, EachStepRunsAtMostItsSlice) {
  int steps = 0;
  derive("pw", "salty", 10'000, 32, AdminAuth::kIterationsPerSlice, &steps);
  // 10,000 HMACs plus the block's output, 64 at a time.
  EXPECT_EQ(steps, (10'000 + 1 + 63) / 64);
}

TEST_F(Pbkdf2Test, CancelStopsAndARestartIsClean) {
  Pbkdf2Sha256 kdf;
  ASSERT_TRUE(kdf.start("first", reinterpret_cast<const uint8_t*>("s1"), 2, 5000, 32));
  EXPECT_FALSE(kdf.step(100));
  EXPECT_TRUE(kdf.running());
  kdf.cancel();
  EXPECT_FALSE(kdf.running());
  EXPECT_FALSE(kdf.ok());
  EXPECT_TRUE(kdf.step(100));  // nothing runs: ended at once
  ASSERT_TRUE(kdf.start("password", reinterpret_cast<const uint8_t*>("salt"), 4, 4096, 32));
  while (!kdf.step(333)) {
  }
  ASSERT_TRUE(kdf.ok());
  EXPECT_EQ(hex(kdf.output(), 32), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST_F(Pbkdf2Test, RefusesParametersItCannotHonour) {
  Pbkdf2Sha256 kdf;
  uint8_t salt[Pbkdf2Sha256::kMaxSaltBytes + 1] = {};
  EXPECT_FALSE(kdf.start("pw", salt, sizeof(salt), 10, 32));
  EXPECT_FALSE(kdf.start("pw", salt, 4, 0, 32));
  EXPECT_FALSE(kdf.start("pw", salt, 4, 10, Pbkdf2Sha256::kMaxOutputBytes + 1));
  EXPECT_FALSE(kdf.running());
}

}  // namespace
}  // namespace probebox
