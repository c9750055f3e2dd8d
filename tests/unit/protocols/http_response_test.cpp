#include "protocols/http_response.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace probebox::http {
namespace {

// The body bytes a parser passes on (the first kMaxBodyKept), kept for the test.
struct KeptBody final : BodySink {
  std::string bytes;
  void on_body(std::string_view b) override { bytes.append(b); }
};

Status feed_all(ResponseParser& p, std::string_view s) {
  return p.feed({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

constexpr std::string_view kHealthy =
    "HTTP/1.1 200 OK\r\nX-Powered-By: Express\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    "Date: Sun, 22 Nov 2026 10:04:05 GMT\r\n\r\nOK";

TEST(HttpResponse, HealthyTestall) {
  ResponseParser p;
  KeptBody body;
  p.set_body_sink(&body);
  ASSERT_TRUE(feed_all(p, kHealthy).ok());
  ASSERT_TRUE(p.done());
  EXPECT_EQ(p.status_code(), 200);
  EXPECT_EQ(p.content_type(), "text/plain");
  EXPECT_EQ(body.bytes, "OK");
  int64_t t;
  ASSERT_TRUE(p.date(t));
  EXPECT_EQ(t, 1795341845);
}

TEST(HttpResponse, EverySplitPointGivesTheSameResult) {
  std::string chunked =
      "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1a;ext=1\r\nmanage seems down. Reason:\r\n3\r\n x\n\r\n0\r\nTrailer: t\r\n\r\n";
  for (size_t split = 0; split <= chunked.size(); ++split) {
    ResponseParser p;
    KeptBody body;
    p.set_body_sink(&body);
    ASSERT_TRUE(feed_all(p, std::string_view(chunked).substr(0, split)).ok()) << split;
    ASSERT_TRUE(feed_all(p, std::string_view(chunked).substr(split)).ok()) << split;
    ASSERT_TRUE(p.done()) << split;
    EXPECT_EQ(body.bytes, "manage seems down. Reason: x\n") << split;
  }
  ResponseParser bytewise;
  KeptBody bytewise_body;
  bytewise.set_body_sink(&bytewise_body);
  for (char c : std::string(kHealthy)) ASSERT_TRUE(feed_all(bytewise, std::string_view(&c, 1)).ok());
  EXPECT_TRUE(bytewise.done());
  EXPECT_EQ(bytewise_body.bytes, "OK");
}

TEST(HttpResponse, BodyUntilClose) {
  ResponseParser p;
  KeptBody body;
  p.set_body_sink(&body);
  ASSERT_TRUE(feed_all(p, "HTTP/1.0 200 OK\r\n\r\nhello").ok());
  EXPECT_FALSE(p.done());
  ASSERT_TRUE(p.finish_on_close().ok());
  EXPECT_EQ(body.bytes, "hello");
}

TEST(HttpResponse, CloseBeforeTheEndIsAnError) {
  ResponseParser p;
  ASSERT_TRUE(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").ok());
  EXPECT_FALSE(p.finish_on_close().ok());
}

TEST(HttpResponse, RedirectLocationAndNoBodyStatuses) {
  ResponseParser p;
  ASSERT_TRUE(feed_all(p, "HTTP/1.1 301 Moved\r\nLocation: https://manage.lab.test/testall\r\n\r\n").ok());
  EXPECT_FALSE(p.done());  // no length: body until close
  ResponseParser q;
  ASSERT_TRUE(feed_all(q, "HTTP/1.1 204 No Content\r\n\r\n").ok());
  EXPECT_TRUE(q.done());
  ResponseParser r;
  ASSERT_TRUE(feed_all(r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.status_code(), 200);
}

TEST(HttpResponse, BoundsHold) {
  ResponseParser endless_header;
  std::string h = "HTTP/1.1 200 OK\r\nX: " + std::string(5000, 'a');
  EXPECT_EQ(feed_all(endless_header, h).code(), StatusCode::kResourceExhausted);
  ResponseParser many;
  std::string m = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 100; ++i) m += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(feed_all(many, m).code(), StatusCode::kResourceExhausted);
  ResponseParser endless_status;
  EXPECT_EQ(feed_all(endless_status, std::string(5000, 'H')).code(), StatusCode::kResourceExhausted);
  ResponseParser big_body;
  KeptBody big_kept;
  big_body.set_body_sink(&big_kept);
  std::string b = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'z');
  ASSERT_TRUE(feed_all(big_body, b).ok());
  EXPECT_TRUE(big_body.done());
  EXPECT_TRUE(big_body.body_truncated());
  EXPECT_EQ(big_kept.bytes.size(), kMaxBodyKept);
  EXPECT_EQ(big_body.body_bytes(), 100000u);
}

// Header values stream into their fields (no line is kept whole): blanks around a
// value are cut, a repeated header's last value wins, a value longer than its field
// keeps its head, whatever the split of the bytes.
TEST(HttpResponse, HeaderValuesStreamIntoTheirFields) {
  const std::string long_location = "https://a.test/" + std::string(700, 'p');
  const std::string head = "HTTP/1.1 302 Found\r\nLocation: first\r\nX-Long-Header-Name-Nobody-Reads: v\r\n"
                           "location:\t " + long_location + " \t\r\nContent-Type:  text/plain ;q=1  \r\n"
                           "X-Auth0-Host: a0-2\r\nDate: Sun, 22 Nov 2026 10:04:05 GMT   \r\n"
                           "Content-Length:  2 \r\nTransfer-Encoding-Not: x\r\n\r\nOK";
  for (size_t split = 0; split <= head.size(); split += 7) {
    ResponseParser p;
    ASSERT_TRUE(feed_all(p, std::string_view(head).substr(0, split)).ok()) << split;
    ASSERT_TRUE(feed_all(p, std::string_view(head).substr(split)).ok()) << split;
    ASSERT_TRUE(p.done()) << split;
    EXPECT_EQ(p.location(), std::string_view(long_location).substr(0, ResponseParser::kMaxLocation)) << split;
    EXPECT_TRUE(p.location_cut()) << split;
    EXPECT_FALSE(p.content_type_cut()) << split;
    EXPECT_EQ(p.content_type(), "text/plain ;q=1") << split;
    EXPECT_EQ(p.node(), "a0-2") << split;
    int64_t date = 0;
    EXPECT_TRUE(p.date(date)) << split;
    EXPECT_EQ(date, 1795341845) << split;  // Sun, 22 Nov 2026 10:04:05 GMT
  }
  // The Date is read when its line ends: the last one wins, one that does not parse
  // leaves none, and the Content-Length read through the same field after it stays.
  ResponseParser dates;
  ASSERT_TRUE(feed_all(dates, "HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 10:04:05 GMT\r\nDate: yesterday\r\n"
                              "Content-Length: 2\r\n\r\nOK").ok());
  ASSERT_TRUE(dates.done());
  int64_t none = 0;
  EXPECT_FALSE(dates.date(none));
  EXPECT_EQ(dates.content_length(), 2u);
  ResponseParser last;
  ASSERT_TRUE(feed_all(last, "HTTP/1.1 200 OK\r\nDate: yesterday\r\nDate: Sun, 22 Nov 2026 10:04:05 GMT \r\n"
                             "Content-Length: 0\r\n\r\n").ok());
  int64_t when = 0;
  EXPECT_TRUE(last.date(when));
  EXPECT_EQ(when, 1795341845);
  ResponseParser chunked;
  ASSERT_TRUE(feed_all(chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding:  gzip, chunked  \r\n\r\n2\r\nOK\r\n0\r\n\r\n").ok());
  EXPECT_TRUE(chunked.done());
  ResponseParser padded_length;  // blanks past the value's field still trim away
  ASSERT_TRUE(feed_all(padded_length, "HTTP/1.1 200 OK\r\nContent-Length: 0" + std::string(100, ' ') + "\r\n\r\n").ok());
  EXPECT_TRUE(padded_length.done());
  ResponseParser no_name;
  EXPECT_EQ(feed_all(no_name, "HTTP/1.1 200 OK\r\n: v\r\n").code(), StatusCode::kDataLoss);
  EXPECT_EQ(no_name.error(), "malformed header");
  ResponseParser long_line;  // a header line still ends at 1024 bytes, kept or not
  EXPECT_EQ(feed_all(long_line, "HTTP/1.1 200 OK\r\nX: " + std::string(1021, 'a') + "\r\n").code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(long_line.error(), "header line longer than 1024 bytes");
  ResponseParser just_fits;
  EXPECT_TRUE(feed_all(just_fits, "HTTP/1.1 200 OK\r\nX: " + std::string(1020, 'a') + "\r\n").ok());
}

TEST(HttpResponse, MalformedIsRejected) {
  for (std::string_view bad : {"SSH-2.0-OpenSSH\r\n", "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 999 Odd\r\n",
                               "HTTP/1.1 200 OK\r\nno colon here\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n",
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n",
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n",
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOKX\r\n"}) {
    ResponseParser p;
    EXPECT_FALSE(feed_all(p, bad).ok()) << bad;
  }
}

TEST(HttpResponse, SeededMutationsNeverCrash) {
  std::mt19937 rng(7);
  std::string base(kHealthy);
  for (int i = 0; i < 20000; ++i) {
    std::string m = base;
    for (int e = 0; e < 3; ++e) m[rng() % m.size()] = static_cast<char>(rng());
    ResponseParser p;
    KeptBody body;
    p.set_body_sink(&body);
    size_t at = 0;
    while (at < m.size()) {
      size_t n = 1 + rng() % 8;
      if (!feed_all(p, std::string_view(m).substr(at, n)).ok()) break;
      at += n;
    }
    EXPECT_LE(body.bytes.size(), kMaxBodyKept);
  }
}

TEST(HttpHelpers, TestallFailures) {
  FixedText<200> names;
  size_t count = 0;
  parse_testall_failures(
      "manage seems down. Reason: connect ENOENT /var/lib/auth0/sockets/auth0-manage.socket\n"
      "docs seems down. Reason: connect ECONNREFUSED 127.0.0.1:5000\nsomething else\n",
      names, count);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(names.view(), "manage,docs");
}

// What the probe judged when it kept the body: the expected text in the body trimmed
// of ' ', CR and LF at both ends.
bool kept_body_matches(std::string_view body, std::string_view expected) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.remove_suffix(1);
  while (!body.empty() && (body.front() == '\n' || body.front() == '\r' || body.front() == ' ')) body.remove_prefix(1);
  return body.find(expected) != std::string_view::npos;
}

// The streaming scan gives what the kept body gave, for every split of the body.
TEST(HttpHelpers, BodyScanAgreesWithTheWholeBody) {
  const std::string failing =
      "manage seems down. Reason: connect ENOENT /var/lib/auth0/sockets/auth0-manage.socket\n"
      "docs seems down. Reason: connect ECONNREFUSED 127.0.0.1:5000\nsomething else\n"
      "  api seems down. Reason: x\r\nname with spaces seems down.\n"
      "a-name-that-is-far-too-long-to-count seems down.\nlast seems down. no LF";
  struct Case {
    std::string body, expected;
  };
  const Case cases[] = {
      {"OK", "OK"},           {"  OK \r\n", "OK"},     {"\r\nOK\n", " OK"},  {"OK\n", "OK\n"},
      {"xOK ", "OK "},        {"", ""},                 {"   ", ""},            {"   ", " "},
      {"NOT OK", "OK"},       {"aaab", "aab"},          {"abababc", "ababc"},  {"aabaabaaa", "aabaaa"},
      {"ok", "OK"},           {failing, "seems down"},  {failing, "no LF"},    {failing, "no LF\n"},
      {std::string(3000, 'a') + "OK", "OK"},  // past the judged bytes: as before, not seen
      {std::string(2040, ' ') + "OK", "OK"},
  };
  for (const Case& c : cases) {
    std::string_view judged = std::string_view(c.body).substr(0, kMaxBodyKept);
    FixedText<200> want_names;
    size_t want_count = 0;
    parse_testall_failures(judged, want_names, want_count);
    for (size_t split = 0; split <= judged.size(); split += judged.size() > 100 ? 97 : 1) {
      BodyScan scan;
      scan.reset(c.expected);
      scan.on_body(judged.substr(0, split));
      scan.on_body(judged.substr(split));
      scan.end();
      EXPECT_EQ(scan.matched(), kept_body_matches(judged, c.expected)) << c.body << " / " << c.expected << " @" << split;
      EXPECT_EQ(scan.services(), want_names.view()) << c.body << " @" << split;
    }
  }
  // A reused scan forgets the last body.
  BodyScan scan;
  scan.reset("OK");
  scan.on_body("OK\nx seems down.\n");
  scan.end();
  scan.reset("OK");
  scan.on_body("no");
  scan.end();
  EXPECT_FALSE(scan.matched());
  EXPECT_EQ(scan.services(), "");
}

// Random bodies over a small alphabet against random expected texts, byte by byte.
TEST(HttpHelpers, BodyScanAgreesOnRandomBodies) {
  std::mt19937 rng(11);
  const char alphabet[] = {'a', 'b', ' ', '\n', '\r'};
  for (int i = 0; i < 3000; ++i) {
    std::string body, expected;
    for (size_t n = rng() % 40; n > 0; --n) body += alphabet[rng() % 5];
    for (size_t n = rng() % 6; n > 0; --n) expected += alphabet[rng() % 3];
    BodyScan scan;
    scan.reset(expected);
    for (char ch : body) scan.on_body(std::string_view(&ch, 1));
    scan.end();
    EXPECT_EQ(scan.matched(), kept_body_matches(body, expected)) << body << " / " << expected;
  }
}

// Long expected texts that repeat themselves (where KMP falls back furthest), up to
// the config's 256 bytes, in bodies up to the judged 2048 bytes made of their own
// pieces: the borders found in the text itself agree with a search of the whole body.
TEST(HttpHelpers, BodyScanAgreesOnLongSelfSimilarTexts) {
  std::mt19937 rng(29);
  for (int i = 0; i < 300; ++i) {
    std::string unit;
    for (size_t n = 1 + rng() % 4; n > 0; --n) unit += "ab"[rng() % 2];
    std::string expected;
    const size_t want = 1 + rng() % BodyScan::kMaxExpected;
    while (expected.size() < want) expected += unit;
    expected.resize(want);
    if (rng() % 2 == 0) expected.back() = expected.back() == 'a' ? 'b' : 'a';
    std::string body;
    const size_t body_len = rng() % (kMaxBodyKept + 1);
    while (body.size() < body_len) {
      size_t from = rng() % expected.size();
      body.append(expected, from, 1 + rng() % (expected.size() - from));
    }
    body.resize(body_len);
    BodyScan scan;
    scan.reset(expected);
    for (size_t at = 0; at < body.size(); at += 61) scan.on_body(std::string_view(body).substr(at, 61));
    scan.end();
    EXPECT_EQ(scan.matched(), kept_body_matches(body, expected)) << expected.size() << " in " << body.size();
  }
}

TEST(HttpHelpers, UrlAndRequest) {
  Url u;
  ASSERT_TRUE(parse_url("http://10.0.2.2:18080/testall?x=1", u).ok());
  EXPECT_EQ(u.host.view(), "10.0.2.2");
  EXPECT_EQ(u.port, 18080);
  EXPECT_EQ(u.path.view(), "/testall?x=1");
  ASSERT_TRUE(parse_url("https://manage.lab.test", u).ok());
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.path.view(), "/");
  EXPECT_FALSE(parse_url("http://user@host/", u).ok());
  EXPECT_FALSE(parse_url("http://host:0/", u).ok());
  EXPECT_FALSE(parse_url("ftp://host/", u).ok());
  EXPECT_FALSE(parse_url("http://host/a b", u).ok());

  FixedText<512> req;
  ASSERT_TRUE(build_get_request(req, "manage.lab.test", "/testall", "probe:secret").ok());
  EXPECT_NE(req.view().find("GET /testall HTTP/1.1\r\nHost: manage.lab.test\r\n"), std::string_view::npos);
  EXPECT_NE(req.view().find("Authorization: Basic cHJvYmU6c2VjcmV0\r\n"), std::string_view::npos);
  // Not asked to close: the server stays silent after its answer, and the probe's RST
  // is the one close (no close_notify and FIN crossing it).
  EXPECT_EQ(req.view().find("Connection:"), std::string_view::npos);
  EXPECT_FALSE(build_get_request(req, "evil\r\nX: y", "/", "").ok());
}

// Hostile servers (tests/lab/hostile_lab.py): the error names the limit that was hit,
// so the check's summary tells the operator what the server did.
TEST(HttpResponse, HostileHeadsNameTheLimitTheyBroke) {
  ResponseParser endless_line;
  EXPECT_EQ(feed_all(endless_line, "HTTP/1.1 200 OK\r\nX-Endless: " + std::string(2000, 'b')).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(endless_line.error(), "header line longer than 1024 bytes");
  ResponseParser endless_head;
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 200; ++i) head += "X-Filler-" + std::to_string(i) + ": aaaa\r\n";
  EXPECT_EQ(feed_all(endless_head, head).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(endless_head.error(), "more than 64 header lines");
  ResponseParser endless_status;
  EXPECT_EQ(feed_all(endless_status, std::string(3000, 'H')).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(endless_status.error(), "status line longer than 1024 bytes");
}

TEST(HttpResponse, TellsSilenceFromAStalledReplyAndHowFarTheBodyGot) {
  ResponseParser p;
  EXPECT_FALSE(p.started());
  ASSERT_TRUE(feed_all(p, "H").ok());
  EXPECT_TRUE(p.started());
  ASSERT_TRUE(feed_all(p, "TTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'x')).ok());
  EXPECT_FALSE(p.done());
  EXPECT_EQ(p.body_bytes(), 100u);
  EXPECT_EQ(p.content_length(), 1000u);
  ResponseParser chunked;
  ASSERT_TRUE(feed_all(chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").ok());
  EXPECT_EQ(chunked.content_length(), 0u);  // not announced
}

TEST(HttpHelpers, MediaTypeIgnoresParametersSpacesAndCase) {
  EXPECT_TRUE(is_media_type("text/plain", "text/plain"));
  EXPECT_TRUE(is_media_type(" TEXT/Plain ; charset=utf-8", "text/plain"));
  EXPECT_TRUE(is_media_type("text/plain;charset=utf-8", "text/plain"));
  EXPECT_FALSE(is_media_type("text/html; charset=utf-8", "text/plain"));
  EXPECT_FALSE(is_media_type("text/plainx", "text/plain"));
  EXPECT_FALSE(is_media_type("", "text/plain"));
  EXPECT_FALSE(is_media_type("text/plain", ""));
}

// A Location longer than the parser keeps (kMaxLocation) is still judged whole for
// the HTTPS-only rule: its scheme and host are matched as its bytes stream, so the
// judgement is is_https_redirect() of the whole value, whatever the split, even when
// the kept prefix ends inside the host (a host is up to 253 bytes).
TEST(HttpResponse, ALocationLongerThanKeptIsJudgedWholeAsItStreams) {
  const std::string name = "manage.example.com";
  std::string long_name;  // 250 bytes of labels: "https://" + it passes kMaxLocation
  while (long_name.size() < 240) long_name += "abcdefghi.";
  long_name += "example.c";
  long_name.resize(250, 'm');
  auto padded = [](std::string s, size_t n) {
    s.resize(n, 'p');
    return s;
  };
  struct Case {
    std::string host, location;
    bool to_host;
  };
  const std::vector<Case> cases = {
      {name, padded("https://manage.example.com/", 300), true},
      {name, padded("https://manage.example.com/", 600), true},
      {name, padded("HTTPS://Manage.Example.COM:8443/", 600), true},
      {name + ":80", padded("https://manage.example.com?", 300), true},
      {name, padded("https://evil.example.net/", 300), false},
      {name, padded("https://evil.example.net/", 600), false},
      {name, padded("https://manage.example.com.evil.test/", 600), false},
      {name, padded("http://manage.example.com/", 600), false},
      {name, padded("https://manage.example.com@evil.test/", 300), false},
      {long_name, padded("https://" + long_name + "/", 300), true},
      {long_name, padded("https://" + long_name + ":443/", 600), true},
      {long_name, "https://" + long_name, true},
      {long_name, padded("https://" + long_name + "x/", 300), false},
      {long_name, padded("https://" + long_name.substr(0, 249) + "/", 300), false},
      {long_name, padded("https://" + long_name + ".evil.test/", 600), false},
      {"", padded("https:///", 300), false},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(is_https_redirect(301, c.location, c.host), c.to_host) << c.location;  // the whole value's judgement
    const std::string head = "HTTP/1.1 301 Moved\r\nLocation: first\r\nLocation:  " + c.location +
                             "  \r\nContent-Length: 0\r\n\r\n";
    for (size_t split = 0; split <= head.size(); split += 37) {
      ResponseParser p;
      p.set_redirect_host(c.host);
      ASSERT_TRUE(feed_all(p, std::string_view(head).substr(0, split)).ok());
      ASSERT_TRUE(feed_all(p, std::string_view(head).substr(split)).ok());
      ASSERT_TRUE(p.done());
      EXPECT_EQ(p.location_to_host(), c.to_host) << c.location << " split " << split;
      EXPECT_EQ(p.location_cut(), c.location.size() > ResponseParser::kMaxLocation) << c.location;
      EXPECT_EQ(p.location(), std::string_view(c.location).substr(0, ResponseParser::kMaxLocation));
    }
  }
  // The last Location wins: a good one after a bad one is judged good, and back.
  ResponseParser twice;
  twice.set_redirect_host(name);
  ASSERT_TRUE(feed_all(twice, "HTTP/1.1 301 Moved\r\nLocation: https://manage.example.com/\r\n"
                              "Location: https://evil.test/\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_FALSE(twice.location_to_host());
  ResponseParser none;  // no Location at all
  none.set_redirect_host(name);
  ASSERT_TRUE(feed_all(none, "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_FALSE(none.location_to_host());
  EXPECT_FALSE(none.location_cut());
}

// The Content-Type keeps kMaxContentType bytes and says when it was cut; blanks
// past the end of a value that fits are no cut.
TEST(HttpResponse, AContentTypeLongerThanKeptSaysItWasCut) {
  ResponseParser params;
  ASSERT_TRUE(feed_all(params, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_EQ(params.content_type(), "text/plain; charset=utf-8");
  EXPECT_FALSE(params.content_type_cut());
  const std::string fits(ResponseParser::kMaxContentType, 't');
  ResponseParser blanks;
  ASSERT_TRUE(feed_all(blanks, "HTTP/1.1 200 OK\r\nContent-Type: " + fits + "      \r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_EQ(blanks.content_type(), fits);
  EXPECT_FALSE(blanks.content_type_cut());
  ResponseParser longer;
  const std::string value = "text/plain; charset=utf-8; profile=" + std::string(100, 'x');
  ASSERT_TRUE(feed_all(longer, "HTTP/1.1 200 OK\r\nContent-Type: " + value + "\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_EQ(longer.content_type(), value.substr(0, ResponseParser::kMaxContentType));
  EXPECT_TRUE(longer.content_type_cut());
}

// Another request may follow on the connection only when this answer ended by its own
// framing, in HTTP/1.1, without "Connection: close", and with nothing after it.
TEST(HttpResponse, ReusableOnlyAfterAFramedHttp11AnswerThatDidNotAskToClose) {
  struct Case {
    std::string response;
    bool reusable;
  };
  const Case cases[] = {
      {std::string(kHealthy), true},
      {"HTTP/1.1 204 No Content\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK", true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK", false},
      {"HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close\r\nContent-Length: 2\r\n\r\nOK", false},
      {"HTTP/1.1 200 OK\r\nConnection: " + std::string(70, 'x') + ", close\r\nContent-Length: 2\r\n\r\nOK", false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK", false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1 200 OK", false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nOK", false},  // not complete yet
      {"HTTP/1.1 200 OK\r\n\r\nOK", false},                           // framed by the close
  };
  for (const Case& c : cases) {
    ResponseParser p;
    ASSERT_TRUE(feed_all(p, c.response).ok()) << c.response;
    EXPECT_EQ(p.reusable(), c.reusable) << c.response;
  }
  // An interim 100 Continue's headers are not the answer's.
  ResponseParser interim;
  ASSERT_TRUE(feed_all(interim, "HTTP/1.1 100 Continue\r\n\r\n").ok());
  ASSERT_TRUE(feed_all(interim, kHealthy).ok());
  EXPECT_TRUE(interim.reusable());
}

}  // namespace
}  // namespace probebox::http
