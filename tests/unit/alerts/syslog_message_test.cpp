#include "alerts/syslog_message.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(SyslogMessage, StateChangeIsRfc5424WithStructuredData) {
  Event e;
  e.wall_unix_us = 1795341845LL * 1'000'000;
  e.check_id.assign("prod.cert.manage");
  e.from = Outcome::kOk;
  e.to = Outcome::kCritical;
  e.summary.assign("expires in 3 days");
  FixedText<400> out;
  syslog::format_state_change(out, e, "probe-01", "cert");
  EXPECT_EQ(out.view(),
            "<130>1 2026-11-22T10:04:05Z probe-01 probebox - STATE [probebox@32473 check=\"prod.cert.manage\" "
            "group=\"cert\" from=\"ok\" state=\"critical\"] prod.cert.manage CRITICAL: expires in 3 days");
}

TEST(SyslogMessage, AConfigLintFindingIsAWarningWithItsPath) {
  FixedText<400> out;
  syslog::format_config_warning(out, 1795341845LL * 1'000'000, "probe-01", 7, "appliance.nodes",
                                "a cluster needs at least three nodes (two given)\r\nforged");
  EXPECT_EQ(out.view(),
            "<132>1 2026-11-22T10:04:05Z probe-01 probebox - LINT [probebox@32473 sequence=\"7\" "
            "path=\"appliance.nodes\"] a cluster needs at least three nodes (two given)  forged");
}

TEST(SyslogMessage, UnsynchronisedClockIsNilAndValuesAreEscaped) {
  Event e;
  e.check_id.assign("a");
  e.first = true;
  e.to = Outcome::kOk;
  e.maintenance = true;
  FixedText<400> out;
  syslog::format_state_change(out, e, "rack b4", "we\"ird]");
  EXPECT_EQ(out.view(), "<133>1 - rack_b4 probebox - STATE [probebox@32473 check=\"a\" group=\"we\\\"ird\\]\" "
                        "from=\"none\" state=\"ok\" maintenance=\"true\"] a OK: ");
}

// One event is one line: a peer's CR/LF (or a device name with one) cannot forge
// a second syslog message for a receiver that splits on line ends.
TEST(SyslogMessage, ControlCharactersCannotStartAnotherLine) {
  Event e;
  e.check_id.assign("svc");
  e.to = Outcome::kCritical;
  e.summary.assign("refused\r\n<13>1 - probe-01 probebox - STATE forged\x1b[2J");
  FixedText<400> out;
  syslog::format_state_change(out, e, "probe\r\n01", "po\nrts");
  std::string_view line = out.view();
  for (char c : line) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << static_cast<int>(c);
  EXPECT_NE(line.find("refused  <13>1"), std::string_view::npos) << line;
  EXPECT_NE(line.find(" probe__01 "), std::string_view::npos) << line;
}

TEST(SyslogMessage, Severities) {
  EXPECT_EQ(syslog::severity_for(Outcome::kCritical), 2);
  EXPECT_EQ(syslog::severity_for(Outcome::kUnknown), 3);
  EXPECT_EQ(syslog::severity_for(Outcome::kWarning), 4);
  EXPECT_EQ(syslog::severity_for(Outcome::kOk), 5);
}

}  // namespace
}  // namespace probebox
