#include "alerts/mail_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace probebox {
namespace {

Event change(const char* id, Outcome from, Outcome to, const char* summary) {
  Event e;
  e.check_id.assign(id);
  e.from = from;
  e.to = to;
  e.summary.assign(summary);
  e.confirmations = 2;
  e.wall_unix_us = 1'795'000'000'000'000;
  return e;
}

TEST(MailMessage, OneChangeSaysWhatAndWhereInTheSubject) {
  Event e = change("prod.cert.manage", Outcome::kOk, Outcome::kCritical, "expires in 3 days");
  mail::AlertItem items[] = {{&e, "cert"}};
  FixedText<200> subject;
  mail::format_subject(subject, "probe-01", items);
  EXPECT_EQ(subject.view(), "[probe-01] CRITICAL prod.cert.manage: expires in 3 days");
}

TEST(MailMessage, ABatchCountsByState) {
  Event a = change("a", Outcome::kOk, Outcome::kCritical, "x");
  Event b = change("b", Outcome::kOk, Outcome::kCritical, "y");
  Event c = change("c", Outcome::kCritical, Outcome::kOk, "z");
  mail::AlertItem items[] = {{&a, "ports"}, {&b, "ports"}, {&c, "dns"}};
  FixedText<200> subject;
  mail::format_subject(subject, "probe-01", items);
  EXPECT_EQ(subject.view(), "[probe-01] 3 changes: 2 CRITICAL, 1 OK");
}

TEST(MailMessage, BodyIsDotStuffedBoundedAndTerminated) {
  std::vector<Event> events;
  for (int i = 0; i < 40; ++i) events.push_back(change("node", Outcome::kOk, Outcome::kWarning, ".starts with a dot\r\nQUIT"));
  std::vector<mail::AlertItem> items;
  for (const Event& e : events) items.push_back({&e, "ports"});
  std::string_view to[] = {"ops@example.com", "oncall@example.com"};
  FixedText<4096> out;
  mail::format_message(out, "probe-01", "probe@example.com", to, items, 1'795'000'000, 3, 3072);
  std::string text(out.view());
  EXPECT_LE(text.size(), 3072u);
  EXPECT_EQ(text.rfind("\r\n.\r\n"), text.size() - 5);
  EXPECT_EQ(text.find("\r\n.\r\n"), text.size() - 5) << "no early end of DATA";
  EXPECT_NE(text.find("\r\n  .starts with a dot  QUIT\r\n"), std::string::npos) << "CR/LF from a peer stay inside the line";
  EXPECT_NE(text.find("To: ops@example.com, oncall@example.com\r\n"), std::string::npos);
  EXPECT_NE(text.find("Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"), std::string::npos) << text.substr(0, 300);
  EXPECT_NE(text.find("3 earlier change(s) could not be mailed"), std::string::npos);
  EXPECT_NE(text.find("... and "), std::string::npos);
  EXPECT_EQ(text.find("\n", 0), text.find("\r\n") + 1) << "CRLF line ends";
  // Only the terminator is a line that starts with a lone dot.
  size_t lone_dots = 0;
  for (size_t at = text.find("\r\n."); at != std::string::npos; at = text.find("\r\n.", at + 1)) {
    if (text.compare(at + 2, 2, "..") != 0) ++lone_dots;
  }
  EXPECT_EQ(lone_dots, 1u);
}

TEST(MailMessage, Rfc5322Date) {
  FixedText<40> d;
  mail::append_rfc5322_date(d, 0);
  EXPECT_EQ(d.view(), "Thu, 01 Jan 1970 00:00:00 +0000");
  d.clear();
  mail::append_rfc5322_date(d, 1'795'392'000);  // 2026-11-23
  EXPECT_EQ(d.view(), "Mon, 23 Nov 2026 00:00:00 +0000");
}

}  // namespace
}  // namespace probebox
