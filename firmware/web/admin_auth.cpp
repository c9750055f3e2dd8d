#include "web/admin_auth.h"

#include "mbedtls/md.h"
#include "mbedtls/pkcs5.h"

namespace probebox {

void AdminCredentials::encode(std::array<uint8_t, kRecordBytes>& out) const {
  for (int b = 0; b < 4; ++b) out[b] = static_cast<uint8_t>(iterations >> (8 * b));
  for (size_t i = 0; i < kSaltBytes; ++i) out[4 + i] = salt[i];
  for (size_t i = 0; i < kHashBytes; ++i) out[4 + kSaltBytes + i] = hash[i];
}

bool AdminCredentials::decode(std::string_view record) {
  if (record.size() != kRecordBytes) return false;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(record[i]); };
  iterations = static_cast<uint32_t>(byte(0)) | static_cast<uint32_t>(byte(1)) << 8 |
               static_cast<uint32_t>(byte(2)) << 16 | static_cast<uint32_t>(byte(3)) << 24;
  for (size_t i = 0; i < kSaltBytes; ++i) salt[i] = byte(4 + i);
  for (size_t i = 0; i < kHashBytes; ++i) hash[i] = byte(4 + kSaltBytes + i);
  return iterations >= 1000 && iterations <= 10'000'000;
}

bool derive_password_hash(std::string_view password, const AdminCredentials& params,
                          std::array<uint8_t, AdminCredentials::kHashBytes>& out) {
  // mbedTLS 3.x: the _ext form takes the hash by type (the md-context form is deprecated).
  return mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, reinterpret_cast<const unsigned char*>(password.data()),
                                       password.size(), params.salt.data(), params.salt.size(), params.iterations,
                                       static_cast<uint32_t>(out.size()), out.data()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

void AdminAuth::begin(hal::Entropy& entropy, const AdminCredentials* stored, std::string_view initial_password) {
  entropy_ = &entropy;
  has_credentials_ = stored != nullptr;
  if (stored != nullptr) credentials_ = *stored;
  initial_password_.assign(initial_password);
  sessions_ = {};
  throttles_ = {};
  tokens_ = kGlobalBurst;
  refilled_us_ = 0;
  panel_code_.clear();
  panel_code_until_us_ = 0;
  check_.cancel();
  check_ticket_ = 0;
}

// Only what needs no hashing: an empty or overlong guess, the first-boot password.
// A stored password is checked in slices (begin_login(), begin_change()).
bool AdminAuth::verify(std::string_view password) const {
  if (password.empty() || password.size() > kMaxPasswordLength || has_credentials_) return false;
  return !initial_password_.empty() && constant_time_equal(password, initial_password_.view());
}

AdminAuth::Throttle& AdminAuth::throttle_for(uint32_t ip) {
  Throttle* oldest = &throttles_[0];
  for (Throttle& t : throttles_) {
    if (t.ip == ip && (t.failures > 0 || t.blocked_until_us > 0)) return t;
    if (t.last_us < oldest->last_us) oldest = &t;
  }
  // A new address takes the slot least recently used; an attacker cycling
  // addresses gains little, each still pays kFreeFailures before its first wait.
  *oldest = Throttle{};
  oldest->ip = ip;
  return *oldest;
}

bool AdminAuth::random_hex(TextBuffer& out, size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint8_t raw[32];
  if (bytes > sizeof(raw) || entropy_ == nullptr || !entropy_->fill({raw, bytes})) return false;
  out.clear();
  for (size_t i = 0; i < bytes; ++i) {
    out.append(kHex[raw[i] >> 4]);
    out.append(kHex[raw[i] & 15]);
  }
  return true;
}

bool AdminAuth::take_token(int64_t now_us, int64_t& retry_after_s) {
  if (tokens_ >= kGlobalBurst || now_us < refilled_us_) {
    refilled_us_ = now_us;
  } else {
    int64_t earned = (now_us - refilled_us_) / kGlobalRefillUs;
    if (earned >= kGlobalBurst - tokens_) {
      tokens_ = kGlobalBurst;
      refilled_us_ = now_us;
    } else {
      tokens_ += static_cast<int>(earned);
      refilled_us_ += earned * kGlobalRefillUs;
    }
  }
  if (tokens_ == 0) {
    retry_after_s = (refilled_us_ + kGlobalRefillUs - now_us + 999'999) / 1'000'000;
    if (retry_after_s < 1) retry_after_s = 1;
    return false;
  }
  --tokens_;
  return true;
}

int AdminAuth::budget(int64_t now_us) {
  int64_t ignored = 0;
  if (!take_token(now_us, ignored)) return 0;
  ++tokens_;
  return tokens_;
}

bool AdminAuth::issue_panel_code(int64_t now_us, TextBuffer& shown) {
  // 32 letters without 0/O and 1/I; a random byte modulo 32 is unbiased.
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  uint8_t raw[kPanelCodeChars];
  if (entropy_ == nullptr || !entropy_->fill({raw, sizeof(raw)})) return false;
  panel_code_.clear();
  shown.clear();
  for (size_t i = 0; i < kPanelCodeChars; ++i) {
    char c = kAlphabet[raw[i] & 31];
    panel_code_.append(c);
    if (i == kPanelCodeChars / 2) shown.append('-');
    shown.append(c);
  }
  panel_code_until_us_ = now_us + kPanelCodeTtlUs;
  return true;
}

bool AdminAuth::panel_code_matches(std::string_view typed, int64_t now_us) const {
  if (panel_code_.empty() || now_us >= panel_code_until_us_ || typed.size() > 2 * kPanelCodeChars) return false;
  FixedText<2 * kPanelCodeChars> normal;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    normal.append(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return constant_time_equal(normal.view(), panel_code_.view());
}

AdminSession* AdminAuth::open_session(int64_t now_us, LoginResult& result) {
  // A free slot, else the least recently used session makes room.
  AdminSession* slot = &sessions_[0];
  for (AdminSession& s : sessions_) {
    if (!s.active || now_us - s.last_used_us > kIdleTimeoutUs || now_us - s.created_us > kMaxAgeUs) {
      slot = &s;
      break;
    }
    if (s.last_used_us < slot->last_used_us) slot = &s;
  }
  AdminSession fresh;
  if (!random_hex(fresh.token, 32) || !random_hex(fresh.csrf, 16)) {
    result = LoginResult::kNoEntropy;
    return nullptr;
  }
  fresh.active = true;
  fresh.initial_password = !has_credentials_;
  fresh.created_us = fresh.last_used_us = now_us;
  *slot = fresh;
  result = LoginResult::kOk;
  return slot;
}

AdminAuth::LoginResult AdminAuth::begin_login(std::string_view password, uint32_t remote_ip, int64_t now_us,
                                              const AdminSession*& out, int64_t& retry_after_s, uint32_t& ticket) {
  out = nullptr;
  retry_after_s = 0;
  ticket = 0;
  LoginResult result = LoginResult::kOk;
  // The panel's code proves physical access: it passes every throttle (a cheap
  // comparison, no hashing), is used up, and lifts this address's wait.
  if (panel_code_matches(password, now_us)) {
    panel_code_.clear();
    panel_code_until_us_ = 0;
    Throttle& t = throttle_for(remote_ip);
    t = Throttle{};
    t.ip = remote_ip;
    t.last_us = now_us;
    out = open_session(now_us, result);
    return result;
  }
  Throttle& t = throttle_for(remote_ip);
  t.last_us = now_us;
  if (now_us < t.blocked_until_us) {
    retry_after_s = (t.blocked_until_us - now_us + 999'999) / 1'000'000;
    return LoginResult::kThrottled;
  }
  // Waiting for the running check costs no budget; only a started check does.
  if (has_credentials_ && check_ticket_ != 0) return LoginResult::kQueued;
  if (!take_token(now_us, retry_after_s)) return LoginResult::kBusy;
  if (!has_credentials_ || password.empty() || password.size() > kMaxPasswordLength) {
    // The first-boot password is a plain comparison: answered now.
    return verdict(verify(password), remote_ip, now_us, out, retry_after_s);
  }
  if (!check_.start(password, credentials_.salt.data(), credentials_.salt.size(), credentials_.iterations,
                    credentials_.hash.size())) {
    return verdict(false, remote_ip, now_us, out, retry_after_s);
  }
  check_kind_ = CheckKind::kLogin;
  check_ticket_ = ticket = next_ticket();
  check_ip_ = remote_ip;
  return LoginResult::kPending;
}

AdminAuth::LoginResult AdminAuth::poll_login(uint32_t ticket, int64_t now_us, const AdminSession*& out,
                                             int64_t& retry_after_s) {
  out = nullptr;
  retry_after_s = 0;
  if (ticket == 0 || ticket != check_ticket_ || check_kind_ != CheckKind::kLogin) {
    retry_after_s = 1;
    return LoginResult::kBusy;
  }
  if (!check_.step(kIterationsPerSlice)) return LoginResult::kPending;
  bool right = check_.ok() &&
               constant_time_equal({reinterpret_cast<const char*>(check_.output()), check_.output_length()},
                                   {reinterpret_cast<const char*>(credentials_.hash.data()), credentials_.hash.size()});
  check_.cancel();
  check_ticket_ = 0;
  return verdict(right, check_ip_, now_us, out, retry_after_s);
}

void AdminAuth::abandon_login(uint32_t ticket) {
  if (ticket == 0 || ticket != check_ticket_) return;
  check_.cancel();
  check_ticket_ = 0;
}

AdminAuth::LoginResult AdminAuth::verdict(bool right, uint32_t remote_ip, int64_t now_us, const AdminSession*& out,
                                          int64_t& retry_after_s) {
  LoginResult result = LoginResult::kOk;
  Throttle& t = throttle_for(remote_ip);  // looked up again: the slot may have moved meanwhile
  t.last_us = now_us;
  if (!right) {
    ++t.failures;
    if (t.failures >= kFreeFailures) {
      int shift = t.failures - kFreeFailures;
      int64_t wait_s = shift >= 9 ? kMaxLockoutS : (int64_t{1} << shift);
      if (wait_s > kMaxLockoutS) wait_s = kMaxLockoutS;
      t.blocked_until_us = now_us + wait_s * 1'000'000;
      retry_after_s = wait_s;
    }
    return LoginResult::kWrong;
  }
  if (tokens_ < kGlobalBurst) ++tokens_;  // a right password costs the budget nothing
  t = Throttle{};
  t.ip = remote_ip;
  t.last_us = now_us;
  out = open_session(now_us, result);
  return result;
}

AdminAuth::LoginResult AdminAuth::login(std::string_view password, uint32_t remote_ip, int64_t now_us,
                                        const AdminSession*& out, int64_t& retry_after_s) {
  uint32_t ticket = 0;
  LoginResult result = begin_login(password, remote_ip, now_us, out, retry_after_s, ticket);
  while (result == LoginResult::kPending) result = poll_login(ticket, now_us, out, retry_after_s);
  return result;
}

AdminSession* AdminAuth::find_mutable(std::string_view token, int64_t now_us) {
  if (token.size() != 64) return nullptr;
  for (AdminSession& s : sessions_) {
    if (!s.active || !constant_time_equal(token, s.token.view())) continue;
    if (now_us - s.last_used_us > kIdleTimeoutUs || now_us - s.created_us > kMaxAgeUs) {
      s = AdminSession{};
      return nullptr;
    }
    s.last_used_us = now_us;
    return &s;
  }
  return nullptr;
}

const AdminSession* AdminAuth::find(std::string_view token, int64_t now_us) { return find_mutable(token, now_us); }

bool AdminAuth::csrf_matches(const AdminSession& session, std::string_view token) {
  return !token.empty() && constant_time_equal(token, session.csrf.view());
}

void AdminAuth::logout(std::string_view token) {
  for (AdminSession& s : sessions_) {
    if (s.active && constant_time_equal(token, s.token.view())) s = AdminSession{};
  }
}

Status AdminAuth::change_password(std::string_view token, std::string_view current, std::string_view new_password,
                                  AdminCredentials& out) {
  Status status;
  uint32_t ticket = 0;
  Progress progress = begin_change(token, current, new_password, out, status, ticket);
  while (progress == Progress::kPending) progress = poll_change(ticket, token, new_password, out, status);
  if (progress == Progress::kQueued) return StatusCode::kUnavailable;
  return status;
}

uint32_t AdminAuth::next_ticket() {
  if (++last_ticket_ == 0) last_ticket_ = 1;
  return last_ticket_;
}

AdminAuth::Progress AdminAuth::begin_change(std::string_view token, std::string_view current,
                                            std::string_view new_password, AdminCredentials& out, Status& status,
                                            uint32_t& ticket) {
  (void)token;
  (void)out;
  status = Status();
  ticket = 0;
  if (check_ticket_ != 0) return Progress::kQueued;
  if (current.empty() || current.size() > kMaxPasswordLength) {
    status = StatusCode::kPermissionDenied;
    return Progress::kDone;
  }
  if (new_password.size() < kMinPasswordLength || new_password.size() > kMaxPasswordLength) {
    status = StatusCode::kInvalidArgument;
    return Progress::kDone;
  }
  if (!has_credentials_) {
    // The first-boot password is a plain comparison; only the new hash takes slices.
    if (!verify(current)) {
      status = StatusCode::kPermissionDenied;
      return Progress::kDone;
    }
    if (constant_time_equal(new_password, initial_password_.view())) {
      status = StatusCode::kInvalidArgument;
      return Progress::kDone;
    }
    return start_new_hash(new_password, status, ticket);
  }
  if (!check_.start(current, credentials_.salt.data(), credentials_.salt.size(), credentials_.iterations,
                    credentials_.hash.size())) {
    status = StatusCode::kUnavailable;
    return Progress::kDone;
  }
  check_kind_ = CheckKind::kChangeCurrent;
  check_ticket_ = ticket = next_ticket();
  return Progress::kPending;
}

AdminAuth::Progress AdminAuth::start_new_hash(std::string_view new_password, Status& status, uint32_t& ticket) {
  ticket = 0;
  change_new_ = AdminCredentials{};
  change_new_.iterations = kIterations;
  if (entropy_ == nullptr || !entropy_->fill(change_new_.salt) ||
      !check_.start(new_password, change_new_.salt.data(), change_new_.salt.size(), change_new_.iterations,
                    change_new_.hash.size())) {
    status = StatusCode::kUnavailable;
    return Progress::kDone;
  }
  check_kind_ = CheckKind::kChangeNew;
  check_ticket_ = ticket = next_ticket();
  return Progress::kPending;
}

AdminAuth::Progress AdminAuth::poll_change(uint32_t& ticket, std::string_view token, std::string_view new_password,
                                           AdminCredentials& out, Status& status) {
  status = Status();
  if (ticket == 0 || ticket != check_ticket_ || check_kind_ == CheckKind::kLogin) {
    status = StatusCode::kUnavailable;
    return Progress::kDone;
  }
  if (!check_.step(kIterationsPerSlice)) return Progress::kPending;
  if (check_kind_ == CheckKind::kChangeCurrent) {
    bool right = check_.ok() &&
                 constant_time_equal({reinterpret_cast<const char*>(check_.output()), check_.output_length()},
                                     {reinterpret_cast<const char*>(credentials_.hash.data()), credentials_.hash.size()});
    check_.cancel();
    check_ticket_ = 0;
    if (!right) {
      status = StatusCode::kPermissionDenied;
      return Progress::kDone;
    }
    return start_new_hash(new_password, status, ticket);
  }
  bool ok = check_.ok();
  if (ok) {
    for (size_t i = 0; i < change_new_.hash.size(); ++i) change_new_.hash[i] = check_.output()[i];
  }
  check_.cancel();
  check_ticket_ = 0;
  if (!ok) {
    status = StatusCode::kUnavailable;
    return Progress::kDone;
  }
  out = change_new_;
  change_new_ = AdminCredentials{};
  // Sessions change only in commit(), once the hash is stored: if flash refuses
  // it, a first-boot session must stay limited (and the others stay as they were).
  pending_token_.assign(token);
  return Progress::kDone;
}

void AdminAuth::commit(const AdminCredentials& stored) {
  credentials_ = stored;
  has_credentials_ = true;
  initial_password_.clear();
  for (AdminSession& s : sessions_) {
    if (!s.active) continue;
    if (!pending_token_.empty() && constant_time_equal(pending_token_.view(), s.token.view())) s.initial_password = false;
    else s = AdminSession{};
  }
  pending_token_.clear();
}

}  // namespace probebox
