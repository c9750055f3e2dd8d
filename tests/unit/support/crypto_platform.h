// mbedTLS and PSA without lwIP's fixture: the clock and entropy they read bound for
// the life of the process (an earlier suite's fixture may have left its own, now
// gone), and PSA started.
#pragma once

namespace probebox::test {

// True when PSA started.
bool bind_crypto_platform();

}  // namespace probebox::test
