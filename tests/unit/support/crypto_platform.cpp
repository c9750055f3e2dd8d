#include "crypto_platform.h"

#include "fake_clock.h"
#include "fake_entropy.h"
#include "net/net_glue.h"
#include "psa/crypto.h"

namespace probebox::test {

bool bind_crypto_platform() {
  static hal::FakeClock clock;
  static hal::FakeEntropy entropy;
  net::bind_platform(clock, entropy);
  return psa_crypto_init() == PSA_SUCCESS;
}

}  // namespace probebox::test
