#include "panel/panel.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "config/config_parser.h"
#include "fake_clock.h"
#include "fake_entropy.h"
#include "net/tls_memory.h"
#include "web/admin_auth.h"

namespace probebox::panel {
namespace {

struct RecordingActions final : PanelActions {
  int run_all = 0;
  int resets = 0;
  void run_all_now() override { ++run_all; }
  void factory_reset() override { ++resets; }
  bool issue_login_code(TextBuffer& shown) override {
    ++codes;
    return auth != nullptr && auth->issue_panel_code(now, shown);
  }
  int codes = 0;
  AdminAuth* auth = nullptr;
  int64_t now = 0;
};

// What a board's LED driver and LCD receive.
struct RecordingLeds final : hal::Leds {
  std::array<hal::LedColor, hal::kLedCount> color{};
  int sets = 0;
  void DoSet(hal::LedId led, hal::LedColor c) override {
    color[static_cast<size_t>(led)] = c;
    ++sets;
  }
};
struct RecordingLcd final : hal::Lcd {
  std::array<std::string, kRows> rows;
  int writes = 0;
  void DoWriteRow(int row, std::string_view text) override {
    rows[static_cast<size_t>(row)] = std::string(text);
    ++writes;
  }
};

class PanelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"({"schema":1,"device":{"name":"probe-01"},"defaults":{"confirm":1},"checks":[
        {"id":"web-cert","type":"tls_cert","host":"10.0.2.2"},
        {"id":"dns-manage","type":"dns","server":"10.0.2.2","name":"manage.lab.test"},
        {"id":"node1-7777","type":"tcp","host":"10.0.2.2","port":7777}]})",
                             *config_, errors).ok());
    health_->load(*config_, clock_);
    in_.config = config_.get();
    in_.health = health_.get();
    in_.link = true;
    in_.has_address = true;
    in_.address = 0x0A00020F;
    in_.gateway = 0x0A000202;
    in_.firmware_version = "0.1.0";
  }
  void result(uint16_t check, Outcome o, const char* summary = "s") {
    ProbeResult r;
    r.outcome = o;
    r.summary.assign(summary);
    health_->on_result(check, r, clock_.now());
  }
  // Advances time in 10 ms steps with the given buttons held.
  void run(int64_t ms, uint8_t buttons = 0) {
    for (int64_t t = 0; t < ms; t += 10) {
      panel_.step(clock_.now(), buttons, in_, actions_);
      clock_.advance_ms(10);
    }
  }
  void press(uint8_t button) {
    run(60, button);
    run(60, 0);
  }
  std::string row(int r) const { return std::string(panel_.rows()[static_cast<size_t>(r)].view()); }
  LedState led(hal::LedId id) const { return panel_.leds()[static_cast<size_t>(id)]; }

  hal::FakeClock clock_;
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  std::unique_ptr<HealthModel> health_ = std::make_unique<HealthModel>();
  PanelInputs in_;
  RecordingActions actions_;
  Panel panel_;
};

TEST_F(PanelTest, EveryRowIsExactly20AsciiCharacters) {
  result(0, Outcome::kCritical, "cert manage.lab.test expired 3 days ago, renew it now \xc3\xa9");
  for (int step = 0; step < 400; ++step) {
    run(100);
    for (int r = 0; r < 4; ++r) {
      ASSERT_EQ(row(r).size(), 20u);
      for (char c : row(r)) ASSERT_TRUE(c >= 0x20 && c < 0x7E);
    }
  }
}

TEST_F(PanelTest, LedsFollowTheHealthModel) {
  result(0, Outcome::kOk);
  result(1, Outcome::kWarning);
  result(2, Outcome::kOk);
  run(20);
  EXPECT_EQ(led(hal::LedId::kStatus).color, hal::LedColor::kAmber);
  EXPECT_EQ(led(hal::LedId::kCert).color, hal::LedColor::kGreen);
  EXPECT_EQ(led(hal::LedId::kDns).color, hal::LedColor::kAmber);
  EXPECT_EQ(led(hal::LedId::kPorts).color, hal::LedColor::kGreen);
  EXPECT_EQ(led(hal::LedId::kSmtp).color, hal::LedColor::kOff);  // no smtp check
  EXPECT_EQ(led(hal::LedId::kLink).color, hal::LedColor::kGreen);
  in_.has_address = false;
  run(20);
  EXPECT_EQ(led(hal::LedId::kLink).color, hal::LedColor::kOff);
}

TEST_F(PanelTest, NewCriticalBlinksUntilAcknowledgedThenStaysSteady) {
  result(0, Outcome::kOk);
  result(1, Outcome::kOk);
  result(2, Outcome::kCritical, "10.0.2.2:7777 refused");
  run(20);
  EXPECT_EQ(led(hal::LedId::kStatus), (LedState{hal::LedColor::kRed, true}));
  EXPECT_EQ(led(hal::LedId::kPorts), (LedState{hal::LedColor::kRed, true}));
  EXPECT_EQ(shown(led(hal::LedId::kStatus), 0), hal::LedColor::kRed);
  EXPECT_EQ(shown(led(hal::LedId::kStatus), 600'000), hal::LedColor::kOff);
  press(hal::kDown);  // summary -> the failing check's page
  EXPECT_EQ(row(0).substr(0, 10), "node1-7777");
  EXPECT_NE(row(1).find("CRITICAL OK=ack"), std::string::npos);
  press(hal::kOk);
  EXPECT_TRUE(panel_.acknowledged(2));
  EXPECT_EQ(led(hal::LedId::kStatus), (LedState{hal::LedColor::kRed, false}));
  EXPECT_EQ(row(1).find("OK=ack"), std::string::npos);
  // Recovery clears the acknowledgement: the next failure blinks again.
  result(2, Outcome::kOk);
  run(20);
  result(2, Outcome::kCritical);
  run(20);
  EXPECT_TRUE(led(hal::LedId::kStatus).blink);
}

TEST_F(PanelTest, TheChecksAreGatheredWhenTheyChangeNotOnEveryStep) {
  result(0, Outcome::kOk);
  result(1, Outcome::kOk);
  result(2, Outcome::kCritical, "10.0.2.2:7777 refused");
  run(20);
  const uint32_t after_results = panel_.digests_gathered();
  EXPECT_GE(after_results, 1u);
  run(2000);  // 200 steps, the pages rotating, nothing new
  EXPECT_EQ(panel_.digests_gathered(), after_results);
  EXPECT_EQ(row(1), "OK2 WA0 CR1 UN0     ");
  result(1, Outcome::kWarning);
  run(20);
  EXPECT_EQ(panel_.digests_gathered(), after_results + 1);
  EXPECT_EQ(led(hal::LedId::kDns).color, hal::LedColor::kAmber);
  // An acknowledgement changes what the LEDs say without a new result.
  press(hal::kBack);
  press(hal::kDown);
  ASSERT_EQ(row(0).substr(0, 10), "node1-7777");
  ASSERT_TRUE(led(hal::LedId::kPorts).blink);
  press(hal::kOk);
  EXPECT_EQ(panel_.digests_gathered(), after_results + 2);
  EXPECT_FALSE(led(hal::LedId::kPorts).blink);
  EXPECT_FALSE(led(hal::LedId::kStatus).blink);
}

TEST_F(PanelTest, FailingPagesComeInOrderOfSeverity) {
  result(0, Outcome::kWarning, "cert expires in 20 days");
  result(1, Outcome::kUnknown, "dns not run");
  result(2, Outcome::kCritical, "refused");
  run(20);
  press(hal::kDown);
  EXPECT_EQ(row(0).substr(0, 10), "node1-7777");
  press(hal::kDown);
  EXPECT_EQ(row(0).substr(0, 8), "web-cert");
  press(hal::kDown);
  EXPECT_EQ(row(0).substr(0, 10), "dns-manage");
  press(hal::kBack);
  EXPECT_EQ(row(0), "probe-01   CRITICAL ");
  EXPECT_EQ(row(1), "OK0 WA1 CR1 UN1     ");
}

// The HD44780's ROM has ASCII for 0x20..0x7D only: UTF-8, a tab or a '~' in what a
// server said shows as '?', one per byte, and every row is 20 characters.
TEST_F(PanelTest, CharactersTheLcdCannotShowAreQuestionMarks) {
  result(2, Outcome::kCritical, "caf\xC3\xA9~\tok");
  run(20);
  press(hal::kDown);
  ASSERT_EQ(row(0).substr(0, 10), "node1-7777");
  bool seen = false;
  for (int r = 0; r < hal::Lcd::kRows; ++r) {
    EXPECT_EQ(row(r).size(), static_cast<size_t>(hal::Lcd::kColumns));
    for (char c : row(r)) EXPECT_TRUE(c >= 0x20 && c < 0x7E) << "row " << r << ": " << row(r);
    if (row(r).find("caf????ok") != std::string::npos) seen = true;
  }
  EXPECT_TRUE(seen) << row(1) << "|" << row(2) << "|" << row(3);
}

TEST_F(PanelTest, PagesRotateWhenIdleAndPauseWhileSomeoneUsesTheButtons) {
  result(0, Outcome::kOk);
  run(20);
  std::string first = row(0);
  run(Panel::kRotateUs / 1000 + 100);
  EXPECT_NE(row(0), first);  // rotated
  press(hal::kBack);
  std::string held = row(0);
  run(30'000);
  EXPECT_EQ(row(0), held);  // 30 s after a press: still where the person left it
  run(Panel::kResumeRotationUs / 1000 - 30'000 + 500);
  EXPECT_NE(row(0), held);  // a minute idle: rotating again
}

TEST_F(PanelTest, LongSummariesScroll) {
  result(2, Outcome::kCritical, "0123456789abcdefghijABCDEFGHIJklmnopqrstUVWXYZ-the-end");
  run(20);
  press(hal::kDown);
  std::string before = row(2);
  run(Panel::kScrollStepUs / 1000 * 3);
  EXPECT_NE(row(2), before);
}

TEST_F(PanelTest, DebounceIgnoresAGlitchAndCountsARealPress) {
  run(20);
  std::string start = row(0);
  run(10, hal::kDown);  // 10 ms: a glitch
  run(100, 0);
  EXPECT_EQ(row(0), start);
  press(hal::kDown);
  EXPECT_NE(row(0), start);
}

TEST_F(PanelTest, FactoryResetNeedsFiveSecondsThenConfirmation) {
  run(20);
  run(4'900, hal::kOk);
  EXPECT_EQ(panel_.mode(), Panel::Mode::kPages);
  run(200, hal::kOk);
  EXPECT_EQ(panel_.mode(), Panel::Mode::kConfirmReset);
  EXPECT_EQ(row(0).substr(0, 13), "FACTORY RESET");
  run(60, 0);  // releasing the long press does not confirm
  EXPECT_EQ(actions_.resets, 0);
  press(hal::kBack);
  EXPECT_EQ(panel_.mode(), Panel::Mode::kPages);
  EXPECT_EQ(actions_.resets, 0);
  run(5'100, hal::kOk);
  run(60, 0);
  press(hal::kOk);
  EXPECT_EQ(actions_.resets, 1);
}

TEST_F(PanelTest, MenuRunsAllChecksAndShowsNetwork) {
  run(20);
  press(hal::kOk);  // on the summary page: the menu
  EXPECT_EQ(panel_.mode(), Panel::Mode::kMenu);
  EXPECT_EQ(row(1), "> Network settings  ");
  press(hal::kDown);
  press(hal::kOk);
  EXPECT_EQ(actions_.run_all, 1);
  press(hal::kOk);
  press(hal::kOk);  // "Network settings"
  EXPECT_EQ(row(0).substr(0, 7), "NETWORK");
  EXPECT_EQ(row(1), "IP 10.0.2.15        ");
  EXPECT_EQ(row(3), "DHCP, link up       ");
}

TEST_F(PanelTest, FirstBootPasswordIsShownUntilOneIsSet) {
  in_.initial_password = "abcd-efgh-jkmn";
  run(20);
  EXPECT_EQ(row(0), "FIRST BOOT          ");
  EXPECT_EQ(row(2), "abcd-efgh-jkmn      ");
  EXPECT_EQ(row(3), "http://10.0.2.15    ");
  in_.initial_password = nullptr;  // the operator set a password
  run(20);
  EXPECT_NE(row(0), "FIRST BOOT          ");
}

TEST_F(PanelTest, TheHttpsCertificatesFingerprintHasAPageAndTheLoginPageSaysHttps) {
  in_.initial_password = "abcd-efgh-jkmn";
  in_.tls_fingerprint = "0123456789ABCDEF1111111111111111222222222222222233333333333333FF";
  run(20);
  EXPECT_EQ(row(3), "https://10.0.2.15   ");
  bool found = false;
  for (int i = 0; i < 12 && !found; ++i) {
    press(hal::kDown);
    found = row(0) == "TLS 0123456789ABCDEF";
  }
  ASSERT_TRUE(found);
  EXPECT_EQ(row(1), "    1111111111111111");
  EXPECT_EQ(row(2), "    2222222222222222");
  EXPECT_EQ(row(3), "    33333333333333FF");
  // No HTTPS: no such page.
  in_.tls_fingerprint = nullptr;
  for (int i = 0; i < 12; ++i) {
    press(hal::kDown);
    EXPECT_NE(row(0).substr(0, 4), "TLS ");
  }
}

// The admin's way in when the web login is throttled: MENU > Web login code shows
// a one-time code on the LCD, which logs in past every throttle.
TEST_F(PanelTest, MenuShowsAOneTimeWebLoginCodeThatLogsIn) {
  net::tls_memory_init();
  hal::FakeEntropy entropy;
  AdminAuth auth;
  auth.begin(entropy, nullptr, "first-boot-pw");
  actions_.auth = &auth;
  const AdminSession* s = nullptr;
  int64_t retry = 0;
  for (int i = 0; i < 300; ++i) auth.login("wrong-password", 7, clock_.now(), s, retry);
  ASSERT_NE(auth.login("first-boot-pw", 7, clock_.now(), s, retry), AdminAuth::LoginResult::kOk);
  result(0, Outcome::kOk);
  run(20);
  press(hal::kOk);  // the menu
  ASSERT_EQ(panel_.mode(), Panel::Mode::kMenu);
  for (int i = 0; i < 3; ++i) press(hal::kDown);
  EXPECT_EQ(row(3), "> Web login code    ") << "the list scrolled to the fourth item";
  actions_.now = clock_.now();
  press(hal::kOk);
  ASSERT_EQ(panel_.mode(), Panel::Mode::kLoginCode);
  EXPECT_EQ(actions_.codes, 1);
  EXPECT_EQ(row(0), "WEB LOGIN CODE      ");
  std::string code = row(1).substr(0, 9);
  EXPECT_EQ(code[4], '-');
  EXPECT_EQ(auth.login(code, 7, clock_.now(), s, retry), AdminAuth::LoginResult::kOk);
  // Any button hides it; it also leaves the LCD by itself.
  press(hal::kBack);
  EXPECT_EQ(panel_.mode(), Panel::Mode::kPages);
  EXPECT_EQ(row(1).find(code), std::string::npos);
  press(hal::kOk);
  for (int i = 0; i < 3; ++i) press(hal::kDown);
  press(hal::kOk);
  ASSERT_EQ(panel_.mode(), Panel::Mode::kLoginCode);
  run(Panel::kLoginCodeShownUs / 1000 + 100);
  EXPECT_EQ(panel_.mode(), Panel::Mode::kPages);
}

// render() is what reaches a board (and the simulator's --panel ansi): every LED as
// it shows now, a blinking one dark in the second half of each second, and only the
// LCD rows that changed since the last render.
TEST_F(PanelTest, RenderDrivesTheLedsAsShownAndWritesOnlyChangedRows) {
  RecordingLeds leds;
  RecordingLcd lcd;
  result(0, Outcome::kOk);
  result(1, Outcome::kOk);
  result(2, Outcome::kCritical, "10.0.2.2:7777 refused");
  run(20);
  panel_.render(100'000, leds, lcd);
  EXPECT_EQ(leds.sets, hal::kLedCount);
  EXPECT_EQ(leds.color[static_cast<size_t>(hal::LedId::kStatus)], hal::LedColor::kRed);
  EXPECT_EQ(leds.color[static_cast<size_t>(hal::LedId::kCert)], hal::LedColor::kGreen);
  EXPECT_EQ(leds.color[static_cast<size_t>(hal::LedId::kSmtp)], hal::LedColor::kOff);
  EXPECT_EQ(lcd.writes, 4);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(lcd.rows[static_cast<size_t>(r)], row(r));
  panel_.render(600'000, leds, lcd);  // the dark half of the blink; nothing new on the LCD
  EXPECT_EQ(leds.color[static_cast<size_t>(hal::LedId::kStatus)], hal::LedColor::kOff);
  EXPECT_EQ(leds.color[static_cast<size_t>(hal::LedId::kCert)], hal::LedColor::kGreen);
  EXPECT_EQ(lcd.writes, 4);
  press(hal::kDown);  // the failing check's page: new rows
  panel_.render(1'000'000, leds, lcd);
  EXPECT_GT(lcd.writes, 4);
  EXPECT_LE(lcd.writes, 8);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(lcd.rows[static_cast<size_t>(r)], row(r));
}

}  // namespace
}  // namespace probebox::panel

namespace probebox::panel {
namespace {

TEST_F(PanelTest, TheConfigsLintFindingsHaveAPageEachAfterTheFailingChecks) {
  ConfigErrors errors;
  ASSERT_TRUE(parse_config(R"({"schema":1,"appliance":{"name":"dev","load_balancer":"10.0.2.2",
      "nodes":["192.0.2.21","192.0.2.22"],"domain_names":{"dashboard":"manage.lab.test",
      "root_tenant_authority":"my_rta.lab.test","webtask":"webtask.lab.test","app_tenants":["app1.lab.test"]}}})",
                           *config_, errors).ok());
  ASSERT_EQ(config_->warning_count, 2);
  health_->load(*config_, clock_);
  run(20);
  EXPECT_EQ(row(0).substr(0, 8), "probebox");  // the summary page first
  press(hal::kDown);
  EXPECT_EQ(row(0), "CONFIG WARNING 1/2  ");
  EXPECT_EQ(row(1), "appliance.domain_nam");  // the path, cut to the LCD
  EXPECT_EQ(row(2), "my_rta.lab.test: und");
  EXPECT_EQ(row(3), "erscores are not all");
  press(hal::kDown);
  EXPECT_EQ(row(0), "CONFIG WARNING 2/2  ");
  EXPECT_EQ(row(1), "appliance.nodes     ");
  EXPECT_EQ(row(2), "a cluster needs at l");
}

}  // namespace
}  // namespace probebox::panel
