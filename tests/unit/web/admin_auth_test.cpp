#include "web/admin_auth.h"

#include <gtest/gtest.h>

#include "fake_entropy.h"
#include "net/tls_memory.h"

namespace probebox {
namespace {

constexpr int64_t kSecond = 1'000'000;

std::string hex(const std::array<uint8_t, 32>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

class AdminAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::tls_memory_init();
    auth.begin(entropy, nullptr, "abcd-efgh-jkmn");
  }
  hal::FakeEntropy entropy;
  AdminAuth auth;
};

TEST(PasswordHash, IsPbkdf2HmacSha256) {
  net::tls_memory_init();
  AdminCredentials params;
  params.iterations = 1000;
  for (uint8_t i = 0; i < 16; ++i) params.salt[i] = i;
  std::array<uint8_t, 32> out{};
  ASSERT_TRUE(derive_password_hash("correct horse battery", params, out));
  // hashlib.pbkdf2_hmac('sha256', b'correct horse battery', bytes(range(16)), 1000)
  EXPECT_EQ(hex(out), "02169e674d80c0fc7292e8610c8f17be140df062af9aa33ea85eaabecffdf08d");
}

TEST(PasswordHash, RecordRoundTripsAndRejectsNonsense) {
  AdminCredentials c;
  c.iterations = 10'000;
  c.salt.fill(7);
  c.hash.fill(9);
  std::array<uint8_t, AdminCredentials::kRecordBytes> record{};
  c.encode(record);
  AdminCredentials back;
  ASSERT_TRUE(back.decode({reinterpret_cast<const char*>(record.data()), record.size()}));
  EXPECT_EQ(back.iterations, 10'000u);
  EXPECT_EQ(back.salt, c.salt);
  EXPECT_EQ(back.hash, c.hash);
  EXPECT_FALSE(back.decode("short"));
  record[0] = record[1] = record[2] = record[3] = 0;  // zero iterations: not a record we wrote
  EXPECT_FALSE(back.decode({reinterpret_cast<const char*>(record.data()), record.size()}));
}

TEST_F(AdminAuthTest, FirstBootPasswordGivesARestrictedSession) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, kSecond, s, retry), AdminAuth::LoginResult::kOk);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->initial_password);
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_EQ(s->csrf.size(), 32u);
  EXPECT_EQ(auth.find(s->token.view(), 2 * kSecond), s);
  EXPECT_TRUE(AdminAuth::csrf_matches(*s, s->csrf.view()));
  EXPECT_FALSE(AdminAuth::csrf_matches(*s, ""));
  EXPECT_FALSE(AdminAuth::csrf_matches(*s, std::string(32, '0')));
}

TEST_F(AdminAuthTest, PasswordChangeEndsOtherSessionsAndRetiresTheFirstBootPassword) {
  const AdminSession* a = nullptr;
  const AdminSession* b = nullptr;
  int64_t retry = 0;
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, kSecond, a, retry), AdminAuth::LoginResult::kOk);
  std::string token_a(a->token.view());
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 2, kSecond, b, retry), AdminAuth::LoginResult::kOk);
  std::string token_b(b->token.view());
  AdminCredentials fresh;
  EXPECT_EQ(auth.change_password(token_a, "abcd-efgh-jkmn", "too-short", fresh).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.change_password(token_a, "abcd-efgh-jkmn", "abcd-efgh-jkmn", fresh).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(auth.change_password(token_a, "wrong", "a-long-enough-one", fresh).code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(auth.change_password(token_a, "abcd-efgh-jkmn", "a-long-enough-one", fresh).ok());
  auth.commit(fresh);
  EXPECT_TRUE(auth.has_admin_password());
  ASSERT_NE(auth.find(token_a, 2 * kSecond), nullptr);
  EXPECT_FALSE(auth.find(token_a, 2 * kSecond)->initial_password);
  EXPECT_EQ(auth.find(token_b, 2 * kSecond), nullptr);
  const AdminSession* c = nullptr;
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 3, kSecond, c, retry), AdminAuth::LoginResult::kWrong);
  EXPECT_EQ(auth.login("a-long-enough-one", 4, kSecond, c, retry), AdminAuth::LoginResult::kOk);
  // The stored hash is all a restarted box needs.
  AdminAuth restarted;
  restarted.begin(entropy, &fresh, "");
  EXPECT_EQ(restarted.login("a-long-enough-one", 4, kSecond, c, retry), AdminAuth::LoginResult::kOk);
  EXPECT_EQ(restarted.login("", 5, kSecond, c, retry), AdminAuth::LoginResult::kWrong);
}

// Flash refused the new hash (the API answers 500 and never commits): the
// first-boot session must not come out of it with full rights, and nothing else
// may change either.
TEST_F(AdminAuthTest, AFailedStoreLeavesTheFirstBootSessionLimited) {
  const AdminSession* a = nullptr;
  const AdminSession* b = nullptr;
  int64_t retry = 0;
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, kSecond, a, retry), AdminAuth::LoginResult::kOk);
  std::string token_a(a->token.view());
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 2, kSecond, b, retry), AdminAuth::LoginResult::kOk);
  std::string token_b(b->token.view());
  AdminCredentials fresh;
  ASSERT_TRUE(auth.change_password(token_a, "abcd-efgh-jkmn", "a-long-enough-one", fresh).ok());
  // ... store_credentials() fails here; no commit.
  ASSERT_NE(auth.find(token_a, 2 * kSecond), nullptr);
  EXPECT_TRUE(auth.find(token_a, 2 * kSecond)->initial_password) << "still may only set a password";
  EXPECT_NE(auth.find(token_b, 2 * kSecond), nullptr);
  EXPECT_FALSE(auth.has_admin_password());
  const AdminSession* c = nullptr;
  EXPECT_EQ(auth.login("a-long-enough-one", 3, kSecond, c, retry), AdminAuth::LoginResult::kWrong);
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 4, kSecond, c, retry), AdminAuth::LoginResult::kOk);
  // A retry that does get stored then takes effect as usual, for the session that asked.
  ASSERT_TRUE(auth.change_password(token_a, "abcd-efgh-jkmn", "a-long-enough-one", fresh).ok());
  auth.commit(fresh);
  ASSERT_NE(auth.find(token_a, 3 * kSecond), nullptr);
  EXPECT_FALSE(auth.find(token_a, 3 * kSecond)->initial_password);
  EXPECT_EQ(auth.find(token_b, 3 * kSecond), nullptr);
}

TEST_F(AdminAuthTest, FailuresAreThrottledPerAddressWithGrowingWaits) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  int64_t t = 10 * kSecond;
  for (int i = 0; i < AdminAuth::kFreeFailures - 1; ++i) {
    EXPECT_EQ(auth.login("guess", 7, t, s, retry), AdminAuth::LoginResult::kWrong);
  }
  EXPECT_EQ(auth.login("guess", 7, t, s, retry), AdminAuth::LoginResult::kWrong);
  EXPECT_EQ(retry, 1);
  // Even the right password waits; another address does not.
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 7, t, s, retry), AdminAuth::LoginResult::kThrottled);
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 8, t, s, retry), AdminAuth::LoginResult::kOk);
  t += 2 * kSecond;
  EXPECT_EQ(auth.login("guess", 7, t, s, retry), AdminAuth::LoginResult::kWrong);
  EXPECT_EQ(retry, 2);
  for (int i = 0; i < 20; ++i) {
    t += 400 * kSecond;
    auth.login("guess", 7, t, s, retry);
  }
  EXPECT_EQ(retry, AdminAuth::kMaxLockoutS);
  t += (AdminAuth::kMaxLockoutS + 1) * kSecond;
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 7, t, s, retry), AdminAuth::LoginResult::kOk);
  // Success clears the record.
  EXPECT_EQ(auth.login("guess", 7, t, s, retry), AdminAuth::LoginResult::kWrong);
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 7, t, s, retry), AdminAuth::LoginResult::kOk);
}

TEST_F(AdminAuthTest, SessionsExpireWhenIdleOrOld) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, 0, s, retry), AdminAuth::LoginResult::kOk);
  std::string token(s->token.view());
  EXPECT_NE(auth.find(token, AdminAuth::kIdleTimeoutUs - 1), nullptr);
  EXPECT_EQ(auth.find(token, 2 * AdminAuth::kIdleTimeoutUs + 1), nullptr);
  ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, 0, s, retry), AdminAuth::LoginResult::kOk);
  token = std::string(s->token.view());
  int64_t t = 0;
  while (t < AdminAuth::kMaxAgeUs - AdminAuth::kIdleTimeoutUs) {
    t += AdminAuth::kIdleTimeoutUs / 2;
    ASSERT_NE(auth.find(token, t), nullptr);
  }
  EXPECT_EQ(auth.find(token, AdminAuth::kMaxAgeUs + 1), nullptr);
  auth.logout(token);
  EXPECT_EQ(auth.find(token, 1), nullptr);
}

TEST_F(AdminAuthTest, TheSessionTableIsBounded) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  std::vector<std::string> tokens;
  for (int i = 0; i < AdminAuth::kSessions + 2; ++i) {
    ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, i * kSecond, s, retry), AdminAuth::LoginResult::kOk);
    tokens.emplace_back(s->token.view());
  }
  EXPECT_EQ(auth.find(tokens[0], 10 * kSecond), nullptr) << "the least recently used session made room";
  EXPECT_NE(auth.find(tokens.back(), 10 * kSecond), nullptr);
}

// An attacker rotating addresses (the old 8-slot table let 9 addresses guess 900
// times in 900) gets no more PBKDF2 work than the box-wide budget.
TEST_F(AdminAuthTest, RotatingAddressesGetNoMoreThanTheGlobalBudget) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  int guessed = 0, refused = 0;
  const int64_t seconds = 100;
  for (int64_t t = 0; t < seconds * kSecond; t += kSecond / 9) {
    for (uint32_t ip = 1; ip <= 9; ++ip) {
      AdminAuth::LoginResult r = auth.login("guess-guess", 0x0A000000 + ip, t, s, retry);
      if (r == AdminAuth::LoginResult::kWrong) ++guessed;
      else ++refused;
      if (r == AdminAuth::LoginResult::kBusy) EXPECT_GE(retry, 1);
    }
  }
  const int budget = AdminAuth::kGlobalBurst + static_cast<int>(seconds * kSecond / AdminAuth::kGlobalRefillUs);
  EXPECT_LE(guessed, budget);
  EXPECT_GE(guessed, budget - 2) << "the budget is spent, not withheld";
  EXPECT_GT(refused, 7000);
}

TEST_F(AdminAuthTest, ARightPasswordCostsNoBudget) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  for (int i = 0; i < 3 * AdminAuth::kGlobalBurst; ++i) {
    ASSERT_EQ(auth.login("abcd-efgh-jkmn", 1, 0, s, retry), AdminAuth::LoginResult::kOk);
  }
  EXPECT_EQ(auth.budget(0), AdminAuth::kGlobalBurst);
}

// 300 wrong logins from the admin's own address (and the budget spent): the
// password waits, the code from the front panel gets in at once, once.
TEST_F(AdminAuthTest, PanelCodeLogsInPastEveryThrottleOnce) {
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  int64_t t = 0;
  for (int i = 0; i < 300; ++i, t += kSecond / 10) auth.login("wrong-password", 7, t, s, retry);
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 7, t, s, retry), AdminAuth::LoginResult::kThrottled);
  for (uint32_t ip = 100; ip < 150; ++ip) auth.login("wrong-password", ip, t, s, retry);
  EXPECT_EQ(auth.budget(t), 0);
  EXPECT_EQ(auth.login("abcd-efgh-jkmn", 8, t, s, retry), AdminAuth::LoginResult::kBusy);
  FixedText<16> code;
  ASSERT_TRUE(auth.issue_panel_code(t, code));
  ASSERT_EQ(code.size(), 9u);
  EXPECT_EQ(code.view()[4], '-');
  EXPECT_NE(auth.login("ABCD-EFGH", 7, t, s, retry), AdminAuth::LoginResult::kOk) << "a guess is no code";
  // Typed in lower case and without the dash, still the code.
  std::string typed;
  for (char c : code.view()) {
    if (c != '-') typed += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  ASSERT_EQ(auth.login(typed, 7, t, s, retry), AdminAuth::LoginResult::kOk);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->initial_password) << "the session has the rights a password login would have";
  // Used up: the same code again is an ordinary (wrong) password.
  const AdminSession* again = nullptr;
  AdminAuth::LoginResult r = auth.login(std::string(code.view()), 9, t + 60 * kSecond, again, retry);
  EXPECT_NE(r, AdminAuth::LoginResult::kOk);
  EXPECT_EQ(again, nullptr);
  // A code not used in time expires.
  ASSERT_TRUE(auth.issue_panel_code(t, code));
  EXPECT_NE(auth.login(std::string(code.view()), 9, t + AdminAuth::kPanelCodeTtlUs, again, retry),
            AdminAuth::LoginResult::kOk);
}

}  // namespace
}  // namespace probebox
