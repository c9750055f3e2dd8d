#include "web/handshake_budget.h"

namespace probebox {

void HandshakeBudget::earn(int64_t now_us) {
  if (earned_at_us_ < 0 || now_us < earned_at_us_) {
    earned_at_us_ = now_us;
    return;
  }
  // Whole quarters only: what a remainder would have earned waits for the next call.
  const int64_t earned = (now_us - earned_at_us_) / kShareDivisor;
  earned_at_us_ += earned * kShareDivisor;
  balance_us_ = balance_us_ + earned > kBurstUs ? kBurstUs : balance_us_ + earned;
}

bool HandshakeBudget::may_start(int64_t now_us) {
  earn(now_us);
  return balance_us_ > 0;
}

}  // namespace probebox
