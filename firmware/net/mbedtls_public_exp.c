/*
 * A public exponent's modular exponentiation in about half the Montgomery
 * multiplications mbedTLS 3.6 spends on it, its squarings in three quarters of the
 * limb products (issue 20 item 4).
 *
 * Why: every steady cycle verifies the servers' RSA signatures (the proof that each
 * server holds its certificate's key, kept on purpose), and that verification is
 * half of a steady cycle's instructions on the Cortex-M4 and on the host. With
 * e = 65537 mbedTLS's exponentiation (bignum_core.c, window size 1 for exponents
 * under 80 bits) squares and multiplies on every bit of the exponent, ones and zeros
 * alike, plus a table set-up: 35 Montgomery multiplications where left-to-right
 * square-and-multiply needs 16 squarings and one multiplication.
 *
 * How: the linker routes mbedTLS's one call to mbedtls_mpi_core_exp_mod_unsafe (from
 * mbedtls_mpi_exp_mod_unsafe, which only RSA's public operation calls) here with
 * --wrap (cmake/third_party.cmake). Only exponents of 1 to 64 bits take this path;
 * anything else goes to mbedTLS's own. The arithmetic stays mbedTLS's: its
 * Montgomery multiplication, its multiply-accumulate, its working memory, its
 * conversions before and after. Only the walk over the exponent's bits and the
 * order of a squaring's limb products are ours. It is variable-time in the
 * exponent, as the function it replaces is documented to be: the exponent, the
 * modulus and the signature are public.
 *
 * Built into the mbedtls library target (it needs mbedTLS's internal bignum_core.h),
 * so the wrapped reference is resolved inside the same archive on every board.
 */
#include "bignum_core.h"
#include "bignum_internal.h"
#include "rsa_work_budget.h"

#include <stdint.h>
#include <string.h>

/* How many exponentiations took the short path: a test's proof that the wrap is in force. */
unsigned long probebox_public_exp_short_path = 0;
/* How many public operations were refused for an exponent over
 * PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS (core/limits.h, through the mbedTLS config). */
unsigned long probebox_public_exp_refused = 0;

/*
 * A public exponent over 64 bits is refused, not computed. mbedTLS takes any odd
 * exponent below the modulus, and its cost grows with the exponent's length: a
 * certificate whose RSA key has a 4095-bit exponent makes each signature it checks
 * about 4,100 multiplications of 4096-bit numbers instead of 17 (measured on the
 * Cortex-M4 image: docs/reliability.md). Any server the box probes, or anyone in the
 * path to it, could send a chain of such keys, each verified in one pass of the main
 * loop, and hold the box past its watchdog. Real keys use 65537 (the CA/Browser Forum
 * allows up to 2^256 - 1, and OpenSSL itself refuses exponents over 64 bits for
 * moduli over 3072). Refused here, the signature does not verify: a chain is not
 * trusted, a handshake fails. Only RSA's public operation calls this function.
 */
int __real_mbedtls_mpi_exp_mod_unsafe(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *E,
                                      const mbedtls_mpi *N, mbedtls_mpi *prec_RR);

/*
 * What a TLS client session may still spend on public operations (rsa_work_budget.h
 * puts it in force around each call into a session; NULL outside one: unbounded). The
 * exponent bound above keeps one operation short; this keeps their sum short, since a
 * chain may hold many keys (PROBEBOX_TLS_RSA_WORK_PER_SESSION, core/limits.h, says
 * how it is counted and why). Once refused, every later operation of the session is.
 */
struct probebox_rsa_work *probebox_rsa_work_in_force = NULL;

static uint32_t rsa_work(const mbedtls_mpi *E, const mbedtls_mpi *N)
{
    const size_t e_bits = mbedtls_mpi_bitlen(E);
    size_t ones = 0;
    for (size_t i = 0; i < e_bits; ++i) ones += (size_t) mbedtls_mpi_get_bit(E, i);
    const uint64_t limbs = (mbedtls_mpi_bitlen(N) + 31) / 32;
    const uint64_t work = limbs * limbs * (uint64_t) (e_bits + ones);
    return work > UINT32_MAX ? UINT32_MAX : (uint32_t) work;
}

int __wrap_mbedtls_mpi_exp_mod_unsafe(mbedtls_mpi *X, const mbedtls_mpi *A, const mbedtls_mpi *E,
                                      const mbedtls_mpi *N, mbedtls_mpi *prec_RR)
{
    struct probebox_rsa_work *budget = probebox_rsa_work_in_force;
    if (mbedtls_mpi_bitlen(E) > PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS) {
        ++probebox_public_exp_refused;
        if (budget != NULL) budget->long_exponent = 1;
        return MBEDTLS_ERR_MPI_BAD_INPUT_DATA;
    }
    if (budget != NULL) {
        const uint32_t work = rsa_work(E, N);
        if (budget->refused || work > budget->left) {
            budget->refused = 1;
            return MBEDTLS_ERR_MPI_BAD_INPUT_DATA;
        }
        budget->left -= work;
    }
    return __real_mbedtls_mpi_exp_mod_unsafe(X, A, E, N, prec_RR);
}

/*
 * X = X * X / R mod N (Montgomery form), as mbedtls_mpi_core_montmul(X, X, X, ...)
 * gives, in about three quarters of its limb multiplications. 16 of the 17
 * multiplications of e = 65537 are squarings; montmul interleaves the product with
 * the reduction and so makes all n^2 limb products of A * A. Here the square is made
 * first, each cross product A[i] * A[j] once (doubled by a shift), then reduced: n^2/2
 * + n^2 instead of 2 n^2. Every multiply-accumulate is mbedTLS's own
 * (mbedtls_mpi_core_mla, its assembly on both the Cortex-M4 and x86-64); only the
 * schedule is ours. Variable-time like the function it serves: the operands are public.
 *
 * P holds 2 * n + 1 limbs (the exponentiation's scratch). X < N on entry and on return.
 */
static void montgomery_square(mbedtls_mpi_uint *X, const mbedtls_mpi_uint *N, size_t n, mbedtls_mpi_uint mm,
                              mbedtls_mpi_uint *P)
{
    memset(P, 0, (2 * n + 1) * ciL);

    /* The cross products, each once: row i adds X[i] * X[i+1..n-1] at limb 2i + 1.
     * The row's carry lands on a limb no earlier row has written. */
    for (size_t i = 0; i + 1 < n; ++i) {
        P[i + n] = mbedtls_mpi_core_mla(P + 2 * i + 1, n - i - 1, X + i + 1, n - i - 1, X[i]);
    }
    /* Twice the cross products: below X^2 < 2^(2n biL), so the shift loses nothing. */
    mbedtls_mpi_core_shift_l(P, 2 * n, 1);
    /* Plus the squares on the diagonal, X[i]^2 at limb 2i, the carry taken along. */
    mbedtls_mpi_uint carry = 0;
    for (size_t i = 0; i < n; ++i) {
        mbedtls_mpi_uint sq[2] = { 0, 0 };
        (void) mbedtls_mpi_core_mla(sq, 2, X + i, 1, X[i]);
        mbedtls_mpi_uint lo = P[2 * i] + sq[0];
        mbedtls_mpi_uint c = lo < sq[0];
        lo += carry;
        c += lo < carry;
        mbedtls_mpi_uint hi = P[2 * i + 1] + sq[1];
        mbedtls_mpi_uint c2 = hi < sq[1];
        hi += c;
        c2 += hi < c;
        P[2 * i] = lo;
        P[2 * i + 1] = hi;
        carry = c2;
    }

    /* Montgomery reduction: add u * N at limb i so that limb i becomes zero, n times;
     * the sum over R is P[n..2n-1] plus a top carry, below 2N. */
    carry = 0;
    for (size_t i = 0; i < n; ++i) {
        const mbedtls_mpi_uint u = P[i] * mm;
        const mbedtls_mpi_uint c = mbedtls_mpi_core_mla(P + i, n, N, n, u);
        mbedtls_mpi_uint top = P[i + n] + c;
        mbedtls_mpi_uint c2 = top < c;
        top += carry;
        c2 += top < carry;
        P[i + n] = top;
        carry = c2;
    }
    /* Below N as it is, or less N: montmul's own final step. */
    const mbedtls_mpi_uint borrow = mbedtls_mpi_core_sub(X, P + n, N, n);
    if (carry < borrow) {
        memcpy(X, P + n, n * ciL);
    }
}

void __real_mbedtls_mpi_core_exp_mod_unsafe(mbedtls_mpi_uint *X, const mbedtls_mpi_uint *A,
                                            const mbedtls_mpi_uint *N, size_t AN_limbs,
                                            const mbedtls_mpi_uint *E, size_t E_limbs,
                                            const mbedtls_mpi_uint *RR, mbedtls_mpi_uint *T);

void __wrap_mbedtls_mpi_core_exp_mod_unsafe(mbedtls_mpi_uint *X, const mbedtls_mpi_uint *A,
                                            const mbedtls_mpi_uint *N, size_t AN_limbs,
                                            const mbedtls_mpi_uint *E, size_t E_limbs,
                                            const mbedtls_mpi_uint *RR, mbedtls_mpi_uint *T)
{
    const size_t E_bits = mbedtls_mpi_core_bitlen(E, E_limbs);
    if (E_bits == 0 || E_bits > 64) {
        __real_mbedtls_mpi_core_exp_mod_unsafe(X, A, N, AN_limbs, E, E_limbs, RR, T);
        return;
    }
    ++probebox_public_exp_short_path;

    /* T holds at least mbedtls_mpi_core_exp_mod_working_limbs(AN_limbs, E_limbs) limbs:
     * a two-entry table, a selection and a multiplication's 2 * AN_limbs + 1, so the
     * base (AN_limbs) and one multiplication's scratch (2 * AN_limbs + 1) fit.
     * X and A may be the same array (mbedTLS calls it so): the base is copied first. */
    mbedtls_mpi_uint *const base = T;
    mbedtls_mpi_uint *const scratch = T + AN_limbs;
    memcpy(base, A, AN_limbs * ciL);
    memmove(X, base, AN_limbs * ciL); /* the exponent's top bit: X = A (Montgomery form) */

    const mbedtls_mpi_uint mm = mbedtls_mpi_core_montmul_init(N);
    for (size_t bit = E_bits - 1; bit-- > 0;) {
        montgomery_square(X, N, AN_limbs, mm, scratch);
        if ((E[bit / biL] >> (bit % biL)) & 1) {
            mbedtls_mpi_core_montmul(X, X, base, AN_limbs, N, AN_limbs, mm, scratch);
        }
    }
    (void) RR;
}
