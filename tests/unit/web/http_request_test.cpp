#include "web/http_request.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(HttpRequestHead, ParsesTheHeadersTheServerUses) {
  HttpRequest r;
  std::string head =
      "PUT /api/config?x=1 HTTP/1.1\r\nHost: box\r\ncontent-length: 12\r\nContent-Type: application/json\r\n"
      "Cookie: a=1; pb_session=abc; b=2\r\nX-CSRF-Token: tok\r\nConnection: keep-alive\r\n\r\n{\"schema\":1}";
  ASSERT_TRUE(parse_request_head(head, r).ok());
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.path, "/api/config");
  EXPECT_EQ(r.query, "x=1");
  EXPECT_TRUE(r.has_content_length);
  EXPECT_EQ(r.content_length, 12u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(cookie_value(r.cookie, "pb_session"), "abc");
  EXPECT_EQ(cookie_value(r.cookie, "missing"), "");
  EXPECT_EQ(r.csrf_token, "tok");
  EXPECT_TRUE(r.connection_keep_alive);
  EXPECT_EQ(r.head_length, head.size() - 12);
}

TEST(HttpRequestHead, RefusesWhatCouldBeSmuggled) {
  HttpRequest r;
  for (const char* bad : {
           "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",  // duplicate length
           "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
           "GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
           "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",                                    // bare CR
           "GET / HTTP/1.1\r\nX: a\nInjected: b\r\n\r\n",                          // bare LF
           "GET / HTTP/1.1\r\nBad Name: v\r\n\r\n",
           "GET / HTTP/1.1\r\nno-colon\r\n\r\n",
           "GET /a b HTTP/1.1\r\n\r\n",
           "GET /\x80 HTTP/1.1\r\n\r\n",
           "get / HTTP/1.1\r\n\r\n",
           "GET / HTTP/2\r\n\r\n",
           "GET / HTTP/1.1\r\n",  // no blank line
           "GET / HTTP/1.1\r\nHost: box\r\nHost: evil.example\r\n\r\n",  // which one names the box?
           "GET / HTTP/1.1\r\nOrigin: http://a\r\nOrigin: http://b\r\n\r\n",
       }) {
    EXPECT_FALSE(parse_request_head(bad, r).ok()) << bad;
  }
  ASSERT_TRUE(parse_request_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", r).ok());
  EXPECT_TRUE(r.chunked);
  ASSERT_TRUE(parse_request_head("GET / HTTP/1.0\r\n\r\n", r).ok());
  EXPECT_TRUE(r.http10);
}

}  // namespace
}  // namespace probebox
