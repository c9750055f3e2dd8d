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
  ASSERT_TRUE(mail::format_message(out, "probe-01", "probe@example.com", to, items, 1'795'000'000, 3, 3072));
  std::string text(out.view());
  EXPECT_LE(text.size(), 3072u);
  EXPECT_EQ(text.rfind("\r\n.\r\n"), text.size() - 5);
  EXPECT_EQ(text.find("\r\n.\r\n"), text.size() - 5) << "no early end of DATA";
  EXPECT_NE(text.find("\r\n  .starts with a dot  QUIT\r\n"), std::string::npos) << "CR/LF from a peer stay inside the line";
  EXPECT_NE(text.find("To: ops@example.com,\r\n oncall@example.com\r\n"), std::string::npos);
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

// The headers of the whole message, up to the blank line.
std::string headers_of(std::string_view message) {
  std::string text(message);
  return text.substr(0, text.find("\r\n\r\n") + 2);
}

std::vector<std::string> header_names(const std::string& headers) {
  std::vector<std::string> names;
  for (size_t at = 0; at < headers.size();) {
    size_t end = headers.find("\r\n", at);
    std::string line = headers.substr(at, end - at);
    if (!line.empty() && line[0] != ' ') names.push_back(line.substr(0, line.find(':')));
    at = end + 2;
  }
  return names;
}

// A device name (or a peer's words) that made it past the parser some other way
// must still not add a header: what is not plain ASCII goes as encoded-words.
TEST(MailMessage, NoValueCanAddAHeader) {
  Event e = change("svc", Outcome::kOk, Outcome::kCritical, "refused\r\nBcc: attacker@evil.example\x1b[2J");
  mail::AlertItem items[] = {{&e, "ports"}};
  std::string_view to[] = {"ops@example.com"};
  FixedText<4096> out;
  ASSERT_TRUE(mail::format_message(out, "probe\r\nBcc: attacker@evil.example", "probe@example.com", to, items, 0, 0,
                                   3072));
  std::string headers = headers_of(out.view());
  EXPECT_EQ(header_names(headers),
            (std::vector<std::string>{"From", "To", "Subject", "MIME-Version", "Content-Type", "Auto-Submitted"}))
      << headers;
  EXPECT_EQ(headers.find('\x1b'), std::string::npos);
  // Every bare CR or LF in the headers is part of a CRLF line end.
  for (size_t i = 0; i < headers.size(); ++i) {
    if (headers[i] == '\r') EXPECT_EQ(headers[i + 1], '\n') << i;
    if (headers[i] == '\n') EXPECT_EQ(headers[i - 1], '\r') << i;
  }
}

TEST(MailMessage, NonAsciiSubjectIsEncodedWordsThatDecodeBack) {
  Event e = change("svc", Outcome::kOk, Outcome::kCritical, "Zertifikat l\xc3\xa4uft ab \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
  mail::AlertItem items[] = {{&e, "cert"}};
  std::string_view to[] = {"ops@example.com"};
  FixedText<4096> out;
  ASSERT_TRUE(mail::format_message(out, "Sonde B\xc3\xbcro", "probe@example.com", to, items, 0, 0, 3072));
  std::string headers = headers_of(out.view());
  size_t at = headers.find("Subject: =?utf-8?B?");
  ASSERT_NE(at, std::string::npos) << headers;
  size_t end_of_field = at;
  do {
    end_of_field = headers.find("\r\n", end_of_field + 1);
  } while (end_of_field + 2 < headers.size() && headers[end_of_field + 2] == ' ');
  std::string field = headers.substr(at + 9, end_of_field - at - 9);
  // Decode every word and glue them: the subject comes back whole, and no word is
  // longer than RFC 2047 allows or splits a character.
  std::string decoded;
  static const std::string kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t w = field.find("=?utf-8?B?"); w != std::string::npos; w = field.find("=?utf-8?B?", w + 1)) {
    size_t end = field.find("?=", w + 10);
    ASSERT_LE(end + 2 - w, 75u);
    std::string b64 = field.substr(w + 10, end - w - 10), word;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : b64) {
      if (c == '=') break;
      acc = acc << 6 | static_cast<uint32_t>(kB64.find(c));
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        word.push_back(static_cast<char>(acc >> bits & 0xFF));
      }
    }
    ASSERT_NE(static_cast<unsigned char>(word[0]) & 0xC0, 0x80u) << "a word starts inside a character";
    decoded += word;
  }
  EXPECT_EQ(decoded, "[Sonde B\xc3\xbcro] CRITICAL svc: Zertifikat l\xc3\xa4uft ab \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
  for (char c : headers) EXPECT_LT(static_cast<unsigned char>(c), 0x80u) << "8-bit byte in a header";
}

// MAIL FROM/RCPT TO and From/To carry the addresses as they are: one that is not a
// plain addr-spec is refused, never sent.
TEST(MailMessage, AnAddressThatIsNotPlainIsRefused) {
  Event e = change("svc", Outcome::kOk, Outcome::kCritical, "x");
  mail::AlertItem items[] = {{&e, "ports"}};
  FixedText<4096> out;
  std::string_view good[] = {"ops@example.com"};
  std::string_view injected[] = {"ops@example.com", "ops@example.com>\r\nRCPT TO:<attacker@evil.example"};
  EXPECT_FALSE(mail::format_message(out, "p", "probe@example.com\r\nRCPT TO:<attacker@evil.example>", good, items, 0, 0,
                                    3072));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(mail::format_message(out, "p", "probe@example.com", injected, items, 0, 0, 3072));
  EXPECT_FALSE(mail::format_message(out, "p", "Probe <probe@example.com>", good, items, 0, 0, 3072));
  EXPECT_TRUE(mail::format_message(out, "p", "probe@example.com", good, items, 0, 0, 3072));
}

TEST(MailMessage, Rfc5322Date) {
  FixedText<40> d;
  mail::append_rfc5322_date(d, 0);
  EXPECT_EQ(d.view(), "Thu, 01 Jan 1970 00:00:00 +0000");
  d.clear();
  mail::append_rfc5322_date(d, 1'795'392'000);  // 2026-11-23
  EXPECT_EQ(d.view(), "Mon, 23 Nov 2026 00:00:00 +0000");
}

// The alerter sends the message in windows rendered one after another (issue 20: no
// composed copy): the windows put together are the message, byte for byte, and the
// cut to max_bytes falls where it falls when the message is written whole.
TEST(MailMessage, WindowsOfTheMessageAreTheWholeMessage) {
  std::vector<Event> events;
  for (int i = 0; i < 40; ++i) {
    events.push_back(change("node", Outcome::kOk, i % 2 ? Outcome::kCritical : Outcome::kWarning,
                            ".a summary long enough that forty of them pass the bound"));
  }
  std::vector<mail::AlertItem> items;
  for (const Event& e : events) items.push_back({&e, "ports"});
  std::string_view to[] = {"ops@example.com"};
  FixedText<4096> whole;
  ASSERT_TRUE(mail::format_message(whole, "Sonde B\xc3\xbcro", "probe@example.com", to, items, 1'795'000'000, 2, 3072));
  ASSERT_NE(whole.view().find("... and "), std::string_view::npos) << "the cut is exercised";
  for (size_t window : {5u, 64u, 512u}) {
    std::string joined;
    char slice[513];
    for (size_t skip = 0;;) {
      SliceText part(slice, window, skip);
      ASSERT_TRUE(mail::format_message(part, "Sonde B\xc3\xbcro", "probe@example.com", to, items, 1'795'000'000, 2,
                                       3072));
      EXPECT_EQ(part.total(), whole.size());
      joined.append(part.view());
      skip += part.size();
      if (part.size() == 0 || skip >= part.total()) break;
    }
    EXPECT_EQ(joined, std::string(whole.view())) << window;
  }
}

}  // namespace
}  // namespace probebox
