/* The RSA public work a TLS client session may spend (PROBEBOX_TLS_RSA_WORK_PER_SESSION,
 * core/limits.h, says how it is counted and why). mbedtls_public_exp.c charges each
 * public operation to the budget in force and refuses one that does not fit; a
 * session puts its own in force around each call into mbedTLS (RsaWorkScope). Shared
 * with that C file, hence C above and C++ below. */
#ifndef PROBEBOX_NET_RSA_WORK_BUDGET_H
#define PROBEBOX_NET_RSA_WORK_BUDGET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct probebox_rsa_work {
  uint32_t left;    /* units still to spend */
  uint8_t refused;  /* an operation did not fit: this one and every later one refused */
  uint8_t long_exponent; /* an exponent over PROBEBOX_RSA_PUBLIC_EXP_MAX_BITS was refused */
};

/* NULL: no session in force, no bound (the box's own key, an upload's checks). */
extern struct probebox_rsa_work *probebox_rsa_work_in_force;

#ifdef __cplusplus
}

namespace probebox::net {

class RsaWorkScope {
 public:
  explicit RsaWorkScope(probebox_rsa_work* budget) : previous_(probebox_rsa_work_in_force) {
    probebox_rsa_work_in_force = budget;
  }
  ~RsaWorkScope() { probebox_rsa_work_in_force = previous_; }
  RsaWorkScope(const RsaWorkScope&) = delete;
  RsaWorkScope& operator=(const RsaWorkScope&) = delete;

 private:
  probebox_rsa_work* previous_;
};

}  // namespace probebox::net
#endif

#endif
