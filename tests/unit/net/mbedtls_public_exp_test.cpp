// The public exponent's square-and-multiply (firmware/net/mbedtls_public_exp.c, put in
// place of mbedTLS's by the linker): RSA's public operation gives what mbedTLS's
// constant-time exponentiation (not wrapped) gives, for exponents of every length up
// to 64 bits, moduli of 1 to 4096 bits' worth of limbs, and bases at the edges; the
// short path is the one taken, so the comparison is not mbedTLS against itself; and a
// longer exponent is refused, never computed. Real signatures are verified in rsa_r2_cache_test.cpp and
// every TLS test.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/limits.h"
#include "mbedtls/bignum.h"
#include "mbedtls/rsa.h"
#include "net/rsa_work_budget.h"
#include "seeded_bytes.h"

extern "C" unsigned long probebox_public_exp_short_path;
extern "C" unsigned long probebox_public_exp_refused;

namespace probebox::net {
namespace {

using Bytes = test::SeededBytes;

struct Mpi {
  mbedtls_mpi m;
  Mpi() { mbedtls_mpi_init(&m); }
  ~Mpi() { mbedtls_mpi_free(&m); }
  Mpi(const Mpi&) = delete;
};

// Returns mbedtls_rsa_public(input) with modulus n and exponent e, compared with
// mbedtls_mpi_exp_mod (the constant-time path, which the wrap leaves alone).
void expect_same(const std::vector<uint8_t>& n, const std::vector<uint8_t>& e, const std::vector<uint8_t>& input,
                 const char* what) {
  Mpi N, E, A, want;
  ASSERT_EQ(mbedtls_mpi_read_binary(&N.m, n.data(), n.size()), 0);
  ASSERT_EQ(mbedtls_mpi_read_binary(&E.m, e.data(), e.size()), 0);
  ASSERT_EQ(mbedtls_mpi_read_binary(&A.m, input.data(), input.size()), 0);
  ASSERT_EQ(mbedtls_mpi_exp_mod(&want.m, &A.m, &E.m, &N.m, nullptr), 0) << what;
  std::vector<uint8_t> expected(n.size());
  ASSERT_EQ(mbedtls_mpi_write_binary(&want.m, expected.data(), expected.size()), 0);

  mbedtls_rsa_context rsa;
  mbedtls_rsa_init(&rsa);
  ASSERT_EQ(mbedtls_rsa_import(&rsa, &N.m, nullptr, nullptr, nullptr, &E.m), 0);
  ASSERT_EQ(mbedtls_rsa_complete(&rsa), 0);
  std::vector<uint8_t> got(n.size());
  EXPECT_EQ(mbedtls_rsa_public(&rsa, input.data(), got.data()), 0) << what;
  EXPECT_EQ(got, expected) << what << ", modulus " << n.size() << " bytes, exponent " << e.size() << " bytes";
  // Again with the context's R² now kept (the path every later verification takes).
  std::vector<uint8_t> again(n.size());
  EXPECT_EQ(mbedtls_rsa_public(&rsa, input.data(), again.data()), 0);
  EXPECT_EQ(again, expected) << what;
  mbedtls_rsa_free(&rsa);
}

std::vector<uint8_t> odd_modulus(Bytes& rng, size_t bytes) {
  auto n = rng.take(bytes);
  n[0] |= 0x80;  // its full length
  n.back() |= 1;
  return n;
}

std::vector<uint8_t> below(Bytes& rng, const std::vector<uint8_t>& n) {
  auto a = rng.take(n.size());
  a[0] = static_cast<uint8_t>(a[0] % n[0]);  // strictly below the modulus' top byte
  return a;
}

std::vector<uint8_t> exponent_of_bits(Bytes& rng, size_t bits) {
  std::vector<uint8_t> e = rng.take((bits + 7) / 8);
  const size_t top = (bits - 1) % 8;
  e[0] = static_cast<uint8_t>((e[0] & ((1u << top) - 1)) | (1u << top));
  e.back() |= 1;
  return e;
}

// The RSA public key (n, e) in `rsa`, initialised here (the caller frees it).
::testing::AssertionResult load_public_key(mbedtls_rsa_context& rsa, const std::vector<uint8_t>& n,
                                           const std::vector<uint8_t>& e) {
  mbedtls_rsa_init(&rsa);
  Mpi N, E;
  if (mbedtls_mpi_read_binary(&N.m, n.data(), n.size()) != 0 || mbedtls_mpi_read_binary(&E.m, e.data(), e.size()) != 0 ||
      mbedtls_rsa_import(&rsa, &N.m, nullptr, nullptr, nullptr, &E.m) != 0 || mbedtls_rsa_complete(&rsa) != 0) {
    return ::testing::AssertionFailure() << "the key does not load";
  }
  return ::testing::AssertionSuccess();
}

TEST(MbedtlsPublicExp, TheUsualExponentsGiveMbedtlsResultByTheShortPath) {
  Bytes rng(0x5eed);
  for (size_t bytes : {16u, 64u, 128u, 256u, 384u, 512u}) {
    auto n = odd_modulus(rng, bytes);
    for (std::vector<uint8_t> e : {std::vector<uint8_t>{3}, std::vector<uint8_t>{17},
                                   std::vector<uint8_t>{0x01, 0x00, 0x01}}) {
      const unsigned long before = probebox_public_exp_short_path;
      expect_same(n, e, below(rng, n), "usual exponent");
      EXPECT_EQ(probebox_public_exp_short_path, before + 2) << "the wrap is not in force";
    }
  }
}

TEST(MbedtlsPublicExp, EveryExponentLengthUpTo64BitsIsShortAndLongerOnesAreRefused) {
  Bytes rng(0xe1);
  auto n = odd_modulus(rng, 256);
  for (size_t bits = 2; bits <= 64; ++bits) {
    const unsigned long before = probebox_public_exp_short_path;
    expect_same(n, exponent_of_bits(rng, bits), below(rng, n), "random exponent");
    EXPECT_EQ(probebox_public_exp_short_path, before + 2) << bits << " bits";
  }
  // A dense exponent (every bit set) and a sparse one, 64 bits each.
  expect_same(n, std::vector<uint8_t>(8, 0xff), below(rng, n), "all ones");
  expect_same(n, {0x80, 0, 0, 0, 0, 0, 0, 1}, below(rng, n), "two bits");
}

// A certificate's key may carry any odd exponent below its modulus; one of thousands of
// bits would cost a full exponentiation per signature checked.
TEST(MbedtlsPublicExp, AnExponentOver64BitsIsRefusedNotComputed) {
  Bytes rng(0xb16e);
  auto n = odd_modulus(rng, 512);
  for (size_t bits : {65u, 80u, 256u, 4095u}) {
    mbedtls_rsa_context rsa;
    ASSERT_TRUE(load_public_key(rsa, n, exponent_of_bits(rng, bits)));
    const auto input = below(rng, n);
    std::vector<uint8_t> out(n.size());
    const unsigned long refused = probebox_public_exp_refused, short_path = probebox_public_exp_short_path;
    probebox_rsa_work session{PROBEBOX_TLS_RSA_WORK_PER_SESSION, 0, 0};
    {
      RsaWorkScope scope(&session);
      EXPECT_NE(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0) << bits << " bits";
    }
    EXPECT_TRUE(session.long_exponent) << "the session learns why: " << bits << " bits";
    EXPECT_NE(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0) << bits << " bits, no session";
    EXPECT_EQ(probebox_public_exp_refused, refused + 2) << bits << " bits";
    EXPECT_EQ(probebox_public_exp_short_path, short_path);
    mbedtls_rsa_free(&rsa);
  }
}

TEST(MbedtlsPublicExp, BasesAtTheEdges) {
  Bytes rng(0xed6e);
  auto n = odd_modulus(rng, 256);
  const std::vector<uint8_t> e{0x01, 0x00, 0x01};
  std::vector<uint8_t> zero(n.size(), 0), one(n.size(), 0), n_minus_1 = n;
  one.back() = 1;
  n_minus_1.back() ^= 1;  // n is odd: n - 1 clears its last bit
  expect_same(n, e, zero, "zero");
  expect_same(n, e, one, "one");
  expect_same(n, e, n_minus_1, "n - 1");
  // Leading zero bytes in the exponent's encoding do not change the path or the result.
  const unsigned long before = probebox_public_exp_short_path;
  expect_same(n, {0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01}, below(rng, n), "padded exponent");
  EXPECT_EQ(probebox_public_exp_short_path, before + 2);
}

// The squaring (montgomery_square) carries into the top limb when the modulus is close
// to R and the base close to the modulus; a modulus of one limb has no cross products;
// an odd count of limbs ends its rows unevenly.
TEST(MbedtlsPublicExp, SquaringsAtTheCarryEdgesGiveMbedtlsResult) {
  Bytes rng(0x5a4e);
  const std::vector<std::vector<uint8_t>> exponents{{0x01, 0x00, 0x01}, std::vector<uint8_t>(8, 0xff),
                                                    {0x80, 0, 0, 0, 0, 0, 0, 1}};
  for (size_t bytes : {1u, 4u, 8u, 12u, 24u, 200u, 256u, 512u}) {
    std::vector<uint8_t> all_ones(bytes, 0xff), top_and_one(bytes, 0);
    top_and_one[0] |= 0x80;
    top_and_one.back() |= 1;
    for (const auto& n : {all_ones, top_and_one}) {
      std::vector<uint8_t> n_minus_2 = n, half = n;
      unsigned borrow = 2;
      for (size_t i = n_minus_2.size(); i-- > 0 && borrow != 0;) {
        const unsigned byte = n_minus_2[i];
        n_minus_2[i] = static_cast<uint8_t>(byte - borrow);
        borrow = byte < borrow ? 1 : 0;
      }
      for (size_t i = 0; i < half.size(); ++i) {
        half[i] = static_cast<uint8_t>((n[i] >> 1) | (i > 0 ? (n[i - 1] & 1) << 7 : 0));
      }
      for (const auto& e : exponents) {
        const unsigned long before = probebox_public_exp_short_path;
        expect_same(n, e, n_minus_2, "n - 2");
        expect_same(n, e, half, "n / 2");
        expect_same(n, e, below(rng, n), "random base");
        EXPECT_EQ(probebox_public_exp_short_path, before + 6) << bytes << " bytes";
      }
    }
  }
}

TEST(MbedtlsPublicExp, RandomModuliOfEveryLimbCountGiveMbedtlsResult) {
  Bytes rng(0x7a11);
  for (size_t bytes = 1; bytes <= 520; bytes += 7) {
    auto n = odd_modulus(rng, bytes);
    expect_same(n, {0x01, 0x00, 0x01}, below(rng, n), "65537");
    expect_same(n, exponent_of_bits(rng, 1 + bytes % 64), below(rng, n), "random exponent");
  }
}

// A session's budget (net/rsa_work_budget.h): each public operation is charged its
// modulus' 32-bit limbs squared times the exponent's bits plus its ones; one that does
// not fit is refused, and so is every later one; without a budget in force, none is.
TEST(MbedtlsPublicExp, ASessionsRsaWorkIsChargedAndBoundedByItsBudget) {
  Bytes rng(0xb0d9);
  auto n = odd_modulus(rng, 256);  // 2048 bits: 64 limbs of 32
  mbedtls_rsa_context rsa;
  ASSERT_TRUE(load_public_key(rsa, n, {0x01, 0x00, 0x01}));  // e = 65537: 17 bits, 2 of them set
  const auto input = below(rng, n);
  std::vector<uint8_t> out(n.size());
  constexpr uint32_t kOne = 64 * 64 * (17 + 2);
  ASSERT_EQ(kOne, 77'824u) << "the unit core/limits.h documents";

  probebox_rsa_work budget{2 * kOne + kOne / 2, 0, 0};
  {
    RsaWorkScope scope(&budget);
    EXPECT_EQ(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0);
    EXPECT_EQ(budget.left, kOne + kOne / 2);
    EXPECT_EQ(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0);
    EXPECT_EQ(budget.left, kOne / 2);
    EXPECT_NE(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0) << "a third does not fit";
    EXPECT_TRUE(budget.refused);
    budget.left = 100 * kOne;
    EXPECT_NE(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0) << "once refused, always refused";
  }
  EXPECT_EQ(probebox_rsa_work_in_force, nullptr) << "the scope puts back what was in force";
  EXPECT_EQ(mbedtls_rsa_public(&rsa, input.data(), out.data()), 0) << "no session in force: no bound";

  // The costliest exponent the box computes, 64 bits all set, on the same modulus.
  mbedtls_rsa_context dense;
  ASSERT_TRUE(load_public_key(dense, n, std::vector<uint8_t>(8, 0xff)));
  probebox_rsa_work exact{64 * 64 * 128, 0, 0};
  {
    RsaWorkScope scope(&exact);
    EXPECT_EQ(mbedtls_rsa_public(&dense, input.data(), out.data()), 0);
  }
  EXPECT_EQ(exact.left, 0u);
  EXPECT_FALSE(exact.refused);
  mbedtls_rsa_free(&dense);
  mbedtls_rsa_free(&rsa);
}

}  // namespace
}  // namespace probebox::net
