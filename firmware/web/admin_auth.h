// Who may change the box: one admin password, stored only as a salted
// PBKDF2-HMAC-SHA256 hash; a small fixed table of sessions with random cookies and
// per-session CSRF tokens. Password guesses are bounded twice: per source address
// (a doubling wait) and across all addresses (a token bucket on the PBKDF2 work, so
// rotating addresses buys nothing). Because an attacker can spend that budget, the
// front panel can always let the admin in: it issues a one-time login code, shown
// on the LCD, that logs in without touching either throttle. Until an
// admin password is set, the first-boot password (shown on the LCD) logs in, and
// such a session may do nothing but set a new password.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "core/text.h"
#include "hal/entropy.h"
#include "web/pbkdf2.h"

namespace probebox {

struct AdminCredentials {
  static constexpr size_t kSaltBytes = 16;
  static constexpr size_t kHashBytes = 32;
  static constexpr size_t kRecordBytes = 4 + kSaltBytes + kHashBytes;
  uint32_t iterations = 0;
  std::array<uint8_t, kSaltBytes> salt{};
  std::array<uint8_t, kHashBytes> hash{};

  // The flash record: little-endian iterations, salt, hash.
  void encode(std::array<uint8_t, kRecordBytes>& out) const;
  bool decode(std::string_view record);
};

struct AdminSession {
  bool active = false;
  bool initial_password = false;  // logged in with the first-boot password
  FixedText<65> token;            // the cookie value: 32 random bytes, hex
  FixedText<33> csrf;             // 16 random bytes, hex
  int64_t created_us = 0;
  int64_t last_used_us = 0;
};

class AdminAuth {
 public:
  static constexpr int kSessions = 4;
  static constexpr int64_t kIdleTimeoutUs = 30LL * 60 * 1'000'000;
  static constexpr int64_t kMaxAgeUs = 12LL * 3600 * 1'000'000;
  // 10k rounds: ~10 ms on a PC, well under a second on the Cortex-M4; the
  // throttle, not the hash cost, is what stops guessing over the network.
  static constexpr uint32_t kIterations = 10'000;
  static constexpr size_t kMinPasswordLength = 10;
  static constexpr size_t kMaxPasswordLength = 64;
  // Failures from one address before each further attempt must wait, doubling
  // from 1 s up to kMaxLockoutS.
  static constexpr int kFreeFailures = 3;
  static constexpr int64_t kMaxLockoutS = 300;
  static constexpr int kThrottleSlots = 8;
  // Password checks across all addresses: a burst, then one per kGlobalRefillUs.
  // A check that succeeds gives its token back: the budget bounds failed logins.
  static constexpr int kGlobalBurst = 5;
  static constexpr int64_t kGlobalRefillUs = 2'000'000;
  // The panel's one-time login code: 8 characters of a 32-letter alphabet (40
  // bits), "XXXX-XXXX" on the LCD, valid once and for this long.
  static constexpr size_t kPanelCodeChars = 8;
  static constexpr int64_t kPanelCodeTtlUs = 10LL * 60 * 1'000'000;

  // The password check is PBKDF2 in slices of this many HMAC iterations, one slice
  // per main-loop step, so a login never holds the loop for the whole derivation.
  static constexpr uint32_t kIterationsPerSlice = 64;

  // kThrottled: this address waits; kBusy: the box-wide guessing budget is spent.
  // kPending: the check runs (poll_login() with the ticket); kQueued: another
  // login's check runs (only one at a time box-wide), call begin_login() again.
  enum class LoginResult { kOk, kWrong, kThrottled, kBusy, kNoEntropy, kPending, kQueued };

  // `stored` null: no admin password yet, `initial_password` logs in.
  void begin(hal::Entropy& entropy, const AdminCredentials* stored, std::string_view initial_password);
  bool has_admin_password() const { return has_credentials_; }

  // Starts a login: the panel code, the first-boot password and every refusal are
  // answered at once; a stored password starts the incremental check (kPending,
  // `ticket` set) or waits for the one running (kQueued).
  LoginResult begin_login(std::string_view password, uint32_t remote_ip, int64_t now_us, const AdminSession*& out,
                          int64_t& retry_after_s, uint32_t& ticket);
  // One slice of the check `ticket` names; kPending until the verdict, then the
  // verdict as login() gives it. An unknown ticket (abandoned) is kBusy.
  LoginResult poll_login(uint32_t ticket, int64_t now_us, const AdminSession*& out, int64_t& retry_after_s);
  // The client went away: the check stops and frees the slot. Its budget token
  // stays spent (disconnecting buys no free guesses); no failure is counted.
  void abandon_login(uint32_t ticket);
  bool check_in_flight() const { return check_ticket_ != 0; }
  // begin_login() and poll_login() to the verdict in one call (tests, tools).
  LoginResult login(std::string_view password, uint32_t remote_ip, int64_t now_us, const AdminSession*& out,
                    int64_t& retry_after_s);
  // The live session for a cookie value, or null (unknown, idle too long, too old).
  const AdminSession* find(std::string_view token, int64_t now_us);
  static bool csrf_matches(const AdminSession& session, std::string_view token);
  void logout(std::string_view token);
  // Checks the current password (not throttled here: the caller holds a session)
  // and hashes the new one into `out`; nothing changes yet. The caller stores `out`
  // and, only once that succeeded, calls commit(): the new hash takes effect, every
  // other session ends and this one becomes a normal admin session. Without a
  // commit (flash refused the write) a first-boot session stays limited.
  // (In one call: for tests and tools. The API uses begin_change()/poll_change().)
  Status change_password(std::string_view token, std::string_view current, std::string_view new_password,
                         AdminCredentials& out);
  // change_password() in slices through the same one-at-a-time check as a login:
  // the current password is checked, then the new one hashed, each a slice per
  // call. kDone sets `status` as change_password() returns it; kPending: call
  // poll_change() with `ticket` (which may change between the two hashes);
  // kQueued: another check runs, call begin_change() again.
  enum class Progress { kDone, kPending, kQueued };
  Progress begin_change(std::string_view token, std::string_view current, std::string_view new_password,
                        AdminCredentials& out, Status& status, uint32_t& ticket);
  Progress poll_change(uint32_t& ticket, std::string_view token, std::string_view new_password, AdminCredentials& out,
                       Status& status);
  void commit(const AdminCredentials& stored);
  // A new one-time login code for the front panel (replacing any earlier one),
  // written as "XXXX-XXXX"; false without randomness.
  bool issue_panel_code(int64_t now_us, TextBuffer& shown);
  // Password checks the global bucket would allow right now (for tests/diagnostics).
  int budget(int64_t now_us);

 private:
  struct Throttle {
    uint32_t ip = 0;
    int failures = 0;
    int64_t blocked_until_us = 0;
    int64_t last_us = 0;
  };
  enum class CheckKind : uint8_t { kLogin, kChangeCurrent, kChangeNew };
  bool verify(std::string_view password) const;
  Progress start_new_hash(std::string_view new_password, Status& status, uint32_t& ticket);
  uint32_t next_ticket();
  AdminSession* find_mutable(std::string_view token, int64_t now_us);
  Throttle& throttle_for(uint32_t ip);
  bool random_hex(TextBuffer& out, size_t bytes);
  bool take_token(int64_t now_us, int64_t& retry_after_s);
  bool panel_code_matches(std::string_view typed, int64_t now_us) const;
  AdminSession* open_session(int64_t now_us, LoginResult& result);
  LoginResult verdict(bool right, uint32_t remote_ip, int64_t now_us, const AdminSession*& out,
                      int64_t& retry_after_s);

  hal::Entropy* entropy_ = nullptr;
  AdminCredentials credentials_;
  bool has_credentials_ = false;
  FixedText<40> initial_password_;
  FixedText<65> pending_token_;  // the session whose change_password() awaits commit()
  std::array<AdminSession, kSessions> sessions_{};
  std::array<Throttle, kThrottleSlots> throttles_{};
  int tokens_ = kGlobalBurst;
  int64_t refilled_us_ = 0;
  FixedText<kPanelCodeChars> panel_code_;
  int64_t panel_code_until_us_ = 0;
  // The one password check in flight box-wide (0: none).
  Pbkdf2Sha256 check_;
  uint32_t check_ticket_ = 0;
  uint32_t check_ip_ = 0;
  uint32_t last_ticket_ = 0;
  CheckKind check_kind_ = CheckKind::kLogin;
  AdminCredentials change_new_;  // the new password's record while it is hashed
};

// PBKDF2-HMAC-SHA256 through mbedTLS.
bool derive_password_hash(std::string_view password, const AdminCredentials& params,
                          std::array<uint8_t, AdminCredentials::kHashBytes>& out);
// Compares without an early exit, so timing does not reveal how much matched.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace probebox
