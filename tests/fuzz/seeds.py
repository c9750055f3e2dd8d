#!/usr/bin/env python3
"""Writes the hand-made seeds of every fuzz harness into tests/fuzz/corpus/<harness>/
(next to the ones capture_seeds.py takes from the lab's real traffic). Each seed is
here to reach a branch of its parser that real traffic from our own lab does not:
the coverage report (`scripts/fuzz coverage`) lists any branch no seed reaches.

The SMTP transcripts are in the exact form real MTAs use (Debian's postfix and
exim4 defaults, Exchange, sendmail, a submission port after STARTTLS): what a
relay says, reply after reply, as the smtp_reply harness reads it.
Run from anywhere: python3 tests/fuzz/seeds.py"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = {}


def seed(harness, name, data):
    if isinstance(data, str):
        data = data.encode()
    SEEDS[(harness, name)] = data


def crlf(*lines):
    return "".join(line + "\r\n" for line in lines)


# --- smtp_reply ------------------------------------------------------------------
# Debian 12 postfix, default main.cf on port 25: no AUTH offered before STARTTLS.
seed("smtp_reply", "postfix-debian-port25", crlf(
    "220 mail.example.org ESMTP Postfix (Debian/GNU)",
    "250-mail.example.org", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY", "250-ETRN",
    "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING",
    "221 2.0.0 Bye"))
# postfix submission after STARTTLS with smtpd_sasl_auth_enable and
# broken_sasl_auth_clients = yes: AUTH twice, the second in the old "AUTH=" form.
seed("smtp_reply", "postfix-submission-auth", crlf(
    "250-mail.example.org", "250-PIPELINING", "250-SIZE 10240000", "250-ETRN",
    "250-AUTH PLAIN LOGIN", "250-AUTH=PLAIN LOGIN", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
    "250-DSN", "250-SMTPUTF8", "250 CHUNKING",
    "235 2.7.0 Authentication successful",
    "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as 4Lq1Zx0mK3z9sTb", "221 2.0.0 Bye"))
# Debian's exim4 (4.96) with authenticators configured.
seed("smtp_reply", "exim4-debian", crlf(
    "220 mail.example.net ESMTP Exim 4.96 Mon, 30 Nov 2026 10:00:00 +0000",
    "250-mail.example.net Hello probebox [10.0.2.15]", "250-SIZE 52428800", "250-8BITMIME",
    "250-PIPELINING", "250-PIPECONNECT", "250-AUTH PLAIN LOGIN", "250-CHUNKING", "250-STARTTLS",
    "250-PRDR", "250 HELP",
    "535 Incorrect authentication data", "221 mail.example.net closing connection"))
# Exchange: no PLAIN before TLS, NTLM and LOGIN only.
seed("smtp_reply", "exchange", crlf(
    "220 mail.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 30 Nov 2026 10:00:00 +0000",
    "250-mail.contoso.com Hello [10.0.2.15]", "250-SIZE 37748736", "250-PIPELINING", "250-DSN",
    "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-X-ANONYMOUSTLS", "250-AUTH NTLM LOGIN",
    "250-X-EXPS GSSAPI NTLM", "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250 XRDST",
    "530 5.7.57 Client not authenticated to send mail", "221 2.0.0 Service closing transmission channel"))
# sendmail lists its mechanisms in one line, PLAIN last.
seed("smtp_reply", "sendmail", crlf(
    "220 relay.example.com ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2; Mon, 30 Nov 2026 10:00:00 GMT",
    "250-relay.example.com Hello [10.0.2.15], pleased to meet you", "250-ENHANCEDSTATUSCODES",
    "250-PIPELINING", "250-EXPN", "250-VERB", "250-8BITMIME", "250-SIZE", "250-DSN", "250-ETRN",
    "250-AUTH DIGEST-MD5 CRAM-MD5 LOGIN PLAIN", "250-DELIVERBY", "250 HELP"))
# The reply that once aborted the firmware: AUTH with nothing after it.
seed("smtp_reply", "bare-auth-last-line", crlf("220 hostile.lab.test ESMTP", "250-hostile.lab.test", "250 AUTH"))
seed("smtp_reply", "bare-auth-middle-line", crlf("250-hostile.lab.test", "250-AUTH", "250 OK"))
seed("smtp_reply", "bare-auth-equals", crlf("250-relay", "250-AUTH=", "250 AUTH "))
seed("smtp_reply", "lower-case", crlf("220 relay esmtp", "250-relay", "250-starttls", "250-auth=login plain",
                                      "250 auth plain login cram-md5"))
# Mechanisms repeated, in other case, with runs of spaces, one name too long to keep
# and more than the list holds.
seed("smtp_reply", "auth-list-limits", crlf(
    "250-relay", "250-AUTH  PLAIN   plain LOGIN PLAINTEXT",
    "250-AUTH " + "X" * 40 + " SCRAM-SHA-256",
    "250 AUTH " + " ".join(f"MECH-{i:02d}" for i in range(16))))
# Rejections, bare LF line ends, a reply that is just the code.
seed("smtp_reply", "rejections", "421 4.3.2 Service not available\n554 5.7.1 <probebox>: Helo command rejected\n"
     "250\n451 4.7.1 Try again later\r\n")
# Malformed: a multi-line reply whose code changes, a bad separator, a short line,
# a line over 512 bytes, a reply of more than 64 lines.
seed("smtp_reply", "code-changes", crlf("250-relay", "251 other"))
seed("smtp_reply", "bad-separator", crlf("250xAUTH PLAIN"))
seed("smtp_reply", "short-line", crlf("25"))
seed("smtp_reply", "bad-digits", crlf("2x0 ok", "1.0 x", "6"))
seed("smtp_reply", "line-too-long", "220 " + "z" * 600 + "\r\n")
seed("smtp_reply", "too-many-lines", crlf(*(["250-still talking"] * 70), "250 OK"))
# First two words: an AUTH PLAIN line is built from them (user, password).
seed("smtp_reply", "auth-plain-words", "user secret")
seed("smtp_reply", "auth-plain-nul", b"us\0er secret")
seed("smtp_reply", "auth-plain-too-long", "u " + "p" * 300)
seed("smtp_reply", "auth-plain-lf-user", "250\n250 ok")
seed("smtp_reply", "auth-plain-lf-password", "u p\nq")
seed("smtp_reply", "auth-plain-nul-password", b"u p\0q")
seed("smtp_reply", "odd-bytes", crlf("250-relay", "250 AUTH X~Y {MECH} \xff"))
seed("smtp_reply", "empty-line", "\n")
seed("smtp_reply", "code-digits", crlf("650 x") + crlf("2/0 x") + crlf("25/ x") + crlf("25: x"))
seed("smtp_reply", "code-digits-2", crlf("2/0 x"))
seed("smtp_reply", "keyword-prefixes", crlf("250-STARTTLSX", "250-AUTHENTICATE PLAIN", "250 AUTH=PLAIN"))
seed("smtp_reply", "code-digits-3", crlf("25/ x"))
seed("smtp_reply", "code-digits-4", crlf("25: x"))

# --- dns_response ----------------------------------------------------------------
QNAME = b"".join(bytes([len(p)]) + p for p in b"manage.lab.test".split(b".")) + b"\0"


def dns(flags=0x8180, qd=1, an=None, question=None, records=b"", ident=0x1234, qtype=1):
    q = question if question is not None else QNAME + struct.pack("!HH", qtype, 1)
    count = an if an is not None else records.count(b"\xc0\x0c")
    return struct.pack("!HHHHHH", ident, flags, qd, count, 0, 0) + q + records


def rr(rtype, rdata, owner=b"\xc0\x0c", klass=1, ttl=300):
    return owner + struct.pack("!HHIH", rtype, klass, ttl, len(rdata)) + rdata


A = rr(1, bytes([192, 0, 2, 10]))
seed("dns_response", "a-two-addresses", dns(records=A + rr(1, bytes([192, 0, 2, 11]), ttl=60)))
seed("dns_response", "aaaa", dns(qtype=28, records=rr(28, bytes(15) + b"\x01") +
                                 rr(28, b"\x20\x01\x0d\xb8" + bytes(4) + b"\x00\x01" + bytes(5) + b"\x01") +
                                 rr(28, b"\x20\x01\x0d\xb8\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06")))
CNAME_TARGET = b"\x03web\xc0\x13"  # "web" + pointer to "lab.test" in the question
seed("dns_response", "cname-then-a", dns(records=rr(5, CNAME_TARGET) + rr(5, b"\x03two\xc0\x13") + A +
                                         rr(16, b"\x04text") + rr(1, b"\x01\x02\x03\x04", klass=3)))
seed("dns_response", "many-addresses", dns(records=b"".join(rr(1, bytes([198, 51, 100, i])) for i in range(20))))
seed("dns_response", "nxdomain-no-question", dns(flags=0x8183, qd=0, question=b""))
seed("dns_response", "servfail", dns(flags=0x8182))
seed("dns_response", "refused-rcode15", dns(flags=0x818F, qd=0, question=b""))
seed("dns_response", "no-question-noerror", dns(qd=0, question=b""))
seed("dns_response", "two-questions", dns(qd=2))
seed("dns_response", "a-query-not-answer", dns(flags=0x0100))
seed("dns_response", "truncated-flag", dns(flags=0x8380, records=A))
seed("dns_response", "other-name", dns(question=b"\x05other\x03lab\x04test\x00" + struct.pack("!HH", 1, 1)))
seed("dns_response", "other-class", dns(question=QNAME + struct.pack("!HH", 1, 3)))
seed("dns_response", "question-cut", dns()[:-2])
seed("dns_response", "header-only", dns()[:12])
seed("dns_response", "short", b"\x12\x34\x81")
seed("dns_response", "pointer-loop", dns(records=rr(5, b"\x01a\xc0\x21")))
seed("dns_response", "pointer-forward", dns(records=rr(5, b"\xc0\x3f")))
seed("dns_response", "pointer-cut", dns(an=1, records=b"\xc0"))
seed("dns_response", "obsolete-label", dns(question=b"\x40abc\x00" + struct.pack("!HH", 1, 1)))
seed("dns_response", "name-too-long", dns(question=b"".join(b"\x3f" + b"a" * 63 for _ in range(5)) + b"\x00"))
# A CNAME target of 248 bytes that goes on, through a pointer, into the question.
seed("dns_response", "long-through-pointers",
     dns(an=1, records=rr(5, b"".join(b"\x3f" + b"c" * 63 for _ in range(3)) + b"\x37" + b"d" * 55 + b"\xc0\x0c")))
# 34 pointers, each to the one before it: more jumps than any real name needs.
CHAIN_AT = 12 + len(QNAME) + 4 + 12  # where the first record's rdata starts
chain = b"\xc0\x0c" + b"".join(struct.pack("!H", 0xC000 | (CHAIN_AT + 2 * k)) for k in range(33))
seed("dns_response", "pointer-chain",
     dns(an=2, records=rr(16, chain) + struct.pack("!H", 0xC000 | (CHAIN_AT + 2 * 33)) +
         struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"))
# Names in other case, with bytes that are not printable and a dot inside a label.
seed("dns_response", "odd-names",
     dns(question=b"\x06MANAGE\x03Lab\x04TEST\x00" + struct.pack("!HH", 1, 1),
         records=rr(5, b"\x04a b\x7f\x05te.s.\x00") + A))
seed("dns_response", "cname-empty-label", dns(records=rr(5, b"\x02x.\x02.y\x00") + A + rr(16, b"\x04text")))
seed("dns_response", "aaaa-zero-runs", dns(qtype=28, records=
     rr(28, b"\x20\x01\x00\x00" + bytes(range(1, 13))) +        # one zero group: no "::"
     rr(28, b"\x20\x01\x0d\xb8" + bytes(12)) +                    # a run to the end
     rr(28, b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00")))  # the longer run wins
seed("dns_response", "root-name-question", dns(question=b"\x00" + struct.pack("!HH", 1, 1)))
seed("dns_response", "dotted-label-question", dns(question=b"\x06manage\x03lab\x05test.\x00" + struct.pack("!HH", 1, 1)))
seed("dns_response", "same-length-other-name", dns(question=b"\x06manage\x03lab\x04tesx\x00" + struct.pack("!HH", 1, 1)))
seed("dns_response", "rcode-10", dns(flags=0x810A, qd=0, question=b""))
seed("dns_response", "txt-question", dns(qtype=16, records=rr(16, b"\x02ok")))
seed("dns_response", "label-cut", dns(question=b"\x06manage\x03la"))
seed("dns_response", "record-head-cut", dns(an=1, records=b"\xc0\x0c\x00\x01\x00"))
seed("dns_response", "rdata-cut", dns(an=1, records=b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\xc0"))
seed("dns_response", "owner-bad", dns(an=1, records=b"\x80"))
seed("dns_response", "cname-bad", dns(records=rr(5, b"\x80x")))
seed("dns_response", "a-wrong-length", dns(records=rr(1, b"\x01\x02\x03")))
seed("dns_response", "trailing-dot-name", dns(records=A))

# --- http_response (first byte: the chunk size the harness feeds) -----------------


def http(chunk, text):
    return bytes([chunk]) + (text.encode() if isinstance(text, str) else text)


seed("http_response", "redirect-location", http(5, crlf(
    "HTTP/1.1 302 Found", "Location: https://manage.lab.test:8443/login?next=/testall",
    "Content-Length: 0", "Date: Mon, 30 Nov 2026 10:00:00 GMT", "") ))
seed("http_response", "redirect-relative", http(63, crlf("HTTP/1.1 301 Moved", "location: http://10.0.2.2/x",
                                                         "content-length: 0", "")))
for i, url in enumerate(["ftp://a/", "http://", "http://u@h/", "http://h:0/", "http://:80/", "http://a b/",
                         "https://h:99999", "http://a\x01b/", "http://a\x7fb/", "http://h:/", "http://h:8x/",
                         "http://" + "h" * 300 + "/", "http://h/" + "p" * 600, "https://manage.lab.test"]):
    seed("http_response", f"redirect-url-{i:02d}", http(9, crlf("HTTP/1.1 307 x", "Location: " + url,
                                                                "Content-Length: 0", "")))
seed("http_response", "redirect-with-type", http(64, crlf("HTTP/1.1 302 x", "Location: http://h/p",
                                                          "Content-Type: text/html", "Content-Length: 0", "")))
for i, ctype in enumerate(["a\rb", "a\x00b"]):
    seed("http_response", f"redirect-bad-type-{i}", http(64, crlf("HTTP/1.1 302 x", "Location: http://h/p",
                                                                  "Content-Type: " + ctype, "Content-Length: 0", "")))
seed("http_response", "whitespace-values", http(64, crlf("HTTP/1.1 200 OK", "Content-Type:\ttext/plain \t",
                                                         "X-Cr: a\r", "Content-Length: 2", "") + "OK"))
seed("http_response", "length-empty", http(64, crlf("HTTP/1.1 200 OK", "Content-Length:", "")))
seed("http_response", "length-16-digits", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 1234567890123456", "")))
seed("http_response", "length-negative", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: -1", "")))
seed("http_response", "te-deflate", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: deflate2", "")))
seed("http_response", "bare-lf", http(64, "HTTP/1.1 200 OK\nContent-Length: 2\n\nOK"))
for i, line in enumerate(["HTTP/1.a 200 OK", "HTTP/1.1x200 OK", "HTTP/1.1 200xOK", "HTTP/1.1 2/0 OK",
                          "HTTP/1.1 099 x"]):
    seed("http_response", f"status-shape-{i}", http(64, line + "\r\n"))
seed("http_response", "chunk-odd-hex", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "+1")))
seed("http_response", "chunk-odd-hex-2", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "@")))
seed("http_response", "closed-in-headers", http(64, "HTTP/1.1 200 OK\r\nX: y"))
for i, date in enumerate(["Sun; 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 anF 1994 08:49:37 GMT", "Sun,  6 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 19x4 08:49:37 GMT", "Sun, 06 Nov 1994 0x:49:37 GMT",
                          "Sun, 06 Nov 1994 08:4x:37 GMT", "Sun, 06 Nov 1994 08:49:3x GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nov 1994 08:60:37 GMT",
                          "Sun, 06 Nov 1994 08:49:61 GMT", "Thu, 01 Jan 1970 00:00:00 GMT"]):
    seed("http_response", f"date-{i:02d}", http(64, crlf("HTTP/1.1 200 OK", "Date: " + date, "Content-Length: 0", "")))
FAILURES = ("Services failed:\n" + "".join(f"svc{i} seems down.\n" for i in range(18)) +
            " seems down.\nx" + " " * 40 + "seems down.\n   seems down.\na b seems down.\nlast seems down.")
seed("http_response", "testall-many-failures", http(64, crlf("HTTP/1.1 500 Internal Server Error",
                                                             f"Content-Length: {len(FAILURES)}", "") + FAILURES))
seed("http_response", "testall-odd-failures", http(64, crlf("HTTP/1.1 500 x", "") +
                                              " seems down.\nx" + " " * 40 + " seems down.\n \t seems down.\n"
                                              "a b seems down.\nlast seems down."))
seed("http_response", "testall-failures", http(17, crlf(
    "HTTP/1.1 500 Internal Server Error", "Content-Type: text/plain", "Transfer-Encoding: chunked",
    "Date: Sun, 06 Nov 1994 08:49:37 GMT", "", "4d;ext=1",
    "Services failed:\nauth0-server seems down.\nwebtask seems down.\n seems down.\n",
    "0", "X-Trailer: 1", "") + "a b seems down.\n" + "x" * 40 + " seems down.\n"))
seed("http_response", "continue-then-ok", http(1, crlf("HTTP/1.1 100 Continue", "", "HTTP/1.1 204 No Content",
                                                       "Date: Feb, 29 Feb 2024 23:59:60 GMT", "")))
seed("http_response", "not-modified", http(64, crlf("HTTP/1.0 304 Not Modified", "Date: Mon, 31 Jan 2026 25:61:61 GMT",
                                                    "")))
seed("http_response", "until-close", http(64, crlf("HTTP/1.0 200 OK", "Date: Mon, 00 Xyz 2026 10:00:00 GMT", "")
                                          + "body until the connection closes"))
seed("http_response", "dates", http(64, crlf("HTTP/1.1 200 OK", "Date: Mon, 0x Jan 2026 10:00:00 GMT",
                                             "Content-Length: 2", "") + "OK"))
seed("http_response", "body-over-limit", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 70000", "") +
                                              "y" * 70000))
seed("http_response", "bad-status-lines", http(64, "HTTP/1.1 2x0 OK\r\n"))
seed("http_response", "status-out-of-range", http(64, "HTTP/1.1 600 Odd\r\n"))
seed("http_response", "status-shape", http(64, "HTTP/2.0 200 OK\r\n"))
seed("http_response", "status-no-reason", http(64, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"))
seed("http_response", "header-malformed", http(64, crlf("HTTP/1.1 200 OK", "no colon here", "")))
seed("http_response", "header-empty-name", http(64, crlf("HTTP/1.1 200 OK", ": x", "")))
seed("http_response", "length-invalid", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 1x", "")))
seed("http_response", "length-conflict", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 1", "Content-Length: 2",
                                                       "")))
seed("http_response", "length-repeated", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 2", "Content-Length: 2",
                                                       "") + "OK"))
seed("http_response", "te-gzip", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: gzip", "")))
seed("http_response", "te-short", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: x", "")))
seed("http_response", "chunk-bad-size", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked", "",
                                                      "zz")))
seed("http_response", "chunk-empty-size", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "")))
seed("http_response", "chunk-size-long", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "",
                                                       "123456789")))
seed("http_response", "chunk-no-crlf", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "2")
                                            + "OKxx\r\n"))
seed("http_response", "chunk-hex", http(3, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "A", "0123456789",
                                                "a", "abcdefghij", "0", "")))
seed("http_response", "trailers-too-many", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "0",
                                                         *[f"T{i}: x" for i in range(70)], "")))
seed("http_response", "headers-too-many", http(64, crlf("HTTP/1.1 200 OK", *[f"X-{i}: y" for i in range(70)], "")))
seed("http_response", "status-line-too-long", http(64, "HTTP/1.1 200 " + "r" * 1100))
seed("http_response", "header-too-long", http(64, "HTTP/1.1 200 OK\r\nX: " + "h" * 1100))
seed("http_response", "chunk-line-too-long", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "")
                                                  + "1" * 1100))
seed("http_response", "trailer-too-long", http(64, crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "", "0")
                                               + "t" * 1100))
seed("http_response", "closed-early", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 10", "") + "abc"))
seed("http_response", "after-done", http(64, crlf("HTTP/1.1 200 OK", "Content-Length: 0", "") + "junk after"))
seed("http_response", "after-error", http(2, "garbage\r\nmore"))

# --- http_request (the head, then a body the API's JSON readers take) -------------
seed("http_request", "login", crlf(
    "POST /api/login HTTP/1.1", "Host: 127.0.0.1:8080", "Origin: http://127.0.0.1:8080",
    "Content-Type: application/json; charset=utf-8", "Content-Length: 31",
    "Connection: keep-alive, Upgrade", "") + '{"current":"a\\u00e9\\n","new":"b"}')
seed("http_request", "password-change", crlf(
    "POST /api/password?x=1 HTTP/1.0", "Cookie: theme=dark; pb_session=0123456789abcdef; other",
    "X-CSRF-Token: abc", "Connection: close", "content-length: 40", "") + '{"current":"old","new":"n\\"ew"}')
seed("http_request", "body-errors", crlf("PUT /api/config HTTP/1.1", "Cookie: =x;pb_session", "") +
     '{"current":"a","current":"b"}')
seed("http_request", "body-unknown-member", crlf("PUT /api/config HTTP/1.1", "") + '{"other":"x"}')
seed("http_request", "body-not-string", crlf("PUT /api/config HTTP/1.1", "") + '{"current":1}')
seed("http_request", "body-missing-member", crlf("PUT /api/config HTTP/1.1", "") + '{"new":"x"}')
seed("http_request", "body-bad-escape", crlf("PUT /api/config HTTP/1.1", "") + '{"current":"\\q"}')
seed("http_request", "body-too-long", crlf("PUT /api/config HTTP/1.1", "") + '{"current":"' + "x" * 300 + '"}')
seed("http_request", "body-not-object", crlf("PUT /api/config HTTP/1.1", "") + '["current"]')
seed("http_request", "restore-secrets", crlf("PUT /api/config HTTP/1.1", "Content-Type: application/json", "") +
     json.dumps({"schema": 1, "checks": [{"id": "relay", "type": "smtp", "host": "10.0.2.2", "port": 2525,
                                          "username": "u", "password": "********"},
                                         {"id": "other", "type": "smtp", "host": "10.0.2.2",
                                          "password": "********"}],
                 "appliance": {"health_api_key": "********"}}))
seed("http_request", "restore-plain", crlf("PUT /api/config HTTP/1.1", "") +
     '{"checks":[{"id":"relay","password":"new"},{"password":"********"}],"x":["********"]}')
seed("http_request", "head-errors", "GET /a HTTP/1.1\r\nX\x01: y\r\n\r\n")
seed("http_request", "head-bare-lf", "GET /a HTTP/1.1\nHost: x\r\n\r\n")
seed("http_request", "head-bad-name", "GET /a HTTP/1.1\r\nBad Name: y\r\n\r\n")
seed("http_request", "head-no-colon", "GET /a HTTP/1.1\r\nnocolon\r\n\r\n")
seed("http_request", "head-te", "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
seed("http_request", "head-length-twice", "POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")
seed("http_request", "head-length-bad", "POST /a HTTP/1.1\r\nContent-Length: 1a\r\n\r\n")
seed("http_request", "head-length-long", "POST /a HTTP/1.1\r\nContent-Length: 1234567890\r\n\r\n")
seed("http_request", "head-length-empty", "POST /a HTTP/1.1\r\nContent-Length:  \r\n\r\n")
seed("http_request", "line-bad-version", "GET /a HTTP/2\r\n\r\n")
seed("http_request", "line-lower-method", "get /a HTTP/1.1\r\n\r\n")
seed("http_request", "line-bad-target", "GET a HTTP/1.1\r\n\r\n")
seed("http_request", "line-control-in-target", "GET /a\x7fb HTTP/1.1\r\n\r\n")
seed("http_request", "line-one-space", "GET HTTP/1.1\r\n\r\n")
seed("http_request", "line-leading-space", " GET / HTTP/1.1\r\n\r\n")
seed("http_request", "no-end-of-head", "GET / HTTP/1.1\r\nHost: x\r\n")
seed("http_request", "head-whitespace", crlf("GET /a HTTP/1.1", "Cookie:\t a=b; pb_session=s \t",
                                             "Connection: close,", "X-A.b!#$%&'*+^`|~_1: v\tw", "") + "{}")
for i, head in enumerate(["GET\r\n", "1ET / HTTP/1.1\r\n", "GET  HTTP/1.1\r\n", "GET /a\tb HTTP/1.1\r\n",
                          "GET / HTTP/1.1\r\nX{: y\r\n", "GET / HTTP/1.1\r\nX[: y\r\n",
                          "GET / HTTP/1.1\r\nX: a\x7f\r\n", "GET / HTTP/1.1\r\n: x\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: -1\r\n"]):
    seed("http_request", f"head-shape-{i}", head + "\r\n")
seed("http_request", "restore-shapes", crlf("PUT /api/config HTTP/1.1", "") + json.dumps(
    {"password": 5, "list": [{"password": "********"}, "********"], "checks": [{"id": 7, "password": "********"}],
     "many": [{"id": f"c{i}", "password": "********"} for i in range(20)], "deep": {"a": {"b": {"password": 1}}}}))
seed("http_request", "body-trailing-space", crlf("POST /api/login HTTP/1.1", "") + '{"current":"a"} ')
seed("http_request", "body-lone-surrogate", crlf("POST /api/login HTTP/1.1", "") + '{"current":"\\udc00"}')

# --- config ------------------------------------------------------------------------
# (one invalid config per rule lives in tests/data/config/; scripts/fuzz and the
# coverage report read those as seeds as well)
FULL_CONFIG = {
    "schema": 1,
    "device": {"name": "probe-01", "location": "rack B4 U12"},
    "network": {"mode": "static", "address": "192.0.2.10/24", "gateway": "192.0.2.1",
                "dns": ["10.0.2.2", "10.0.2.2:5353"], "ntp": ["10.0.2.2:12300"]},
    "defaults": {"interval_s": 30, "timeout_ms": 5000, "confirm": 2, "cert_warn_days": 30, "cert_crit_days": 14,
                 "ntp_warn_ms": 500, "ntp_crit_ms": 2000, "latency_warn_ms": 2000, "clock_skew_warn_s": 5,
                 "public_roots": False},
    "trust_anchors_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "checks": [
        {"id": "lb-cert", "type": "tls_cert", "host": "10.0.2.2", "port": 8443, "server_name": "manage.lab.test",
         "names": ["manage.lab.test", "root.lab.test"], "group": "certificates"},
        {"id": "dns-manage", "type": "dns", "server": "10.0.2.2:5353", "name": "manage.lab.test",
         "expect_addresses": ["127.0.0.1"]},
        {"id": "node1-7777", "type": "tcp", "host": "10.0.2.2", "port": 7777, "interval_s": 60},
        {"id": "dev-isolated", "type": "tcp", "host": "10.0.2.2", "port": 9443, "expect": "closed"},
        {"id": "node1-testall", "type": "http", "url": "https://manage.lab.test:8443/testall",
         "host_header": "manage.lab.test", "username": "u", "password": "p", "expect_body": "OK",
         "expect_status": 200},
        {"id": "smtp", "type": "smtp", "host": "relay.lab.test", "port": 2525, "starttls": "require",
         "username": "probe", "password": "secret"},
        {"id": "smtp2", "type": "smtp", "host": "10.0.2.2", "starttls": "never"},
        {"id": "ntp", "type": "ntp", "server": "10.0.2.2:12300", "ntp_warn_ms": 100, "ntp_crit_ms": 900},
    ],
    "maintenance": [{"start": "2026-11-22T10:00:00Z", "end": "2026-11-22T11:00:00Z", "checks": ["ntp"]}],
    "alerts": {"mail": {"to": ["ops@example.com", "oncall@example.com"], "from": "probe-01@example.com",
                        "server": "10.0.2.2:2525", "username": "u", "password": "p"},
               "syslog": {"server": "10.0.2.2:5514"},
               "snmp": {"community": "public", "trap_to": ["10.0.2.2:1162"]}},
}
seed("config", "spec-full.json", json.dumps(FULL_CONFIG, indent=1))
seed("config", "spec-appliance.json", json.dumps({
    "schema": 1,
    "appliance": {
        "name": "prod", "load_balancer": "192.0.2.10", "nodes": ["192.0.2.11", "192.0.2.12", "192.0.2.13"],
        "domain_names": {"dashboard": "manage.example.com", "root_tenant_authority": "rta.example.com",
                         "webtask": "webtask.example.com", "app_tenants": ["app1.example.com", "app2.example.com"]},
        "ports": {"https": 443, "http": 80, "mesh": [7777, 27017, 8721, 8701]},
        "resolvers": ["192.0.2.53"],
        "smtp": {"host": "192.0.2.25", "port": 587, "server_name": "smtp.example.com",
                 "username": "probe", "password": "secret"},
        "ntp": ["192.0.2.123"], "health_api_key": "k3y", "egress": ["cdn.auth0.com:443"],
        "other_environment": {"nodes": ["198.51.100.20"], "cert_sha256": ["ab" * 32]},
        "isolated_from": ["198.51.100.21:443"]}}, indent=1))
# One change at a time to a small config of each check type and to a small
# appliance: every key with a value of the wrong type, out of range, empty, too
# long or with a control character, so each validation rule has a seed.
BASE_CHECKS = [
    {"id": "t", "type": "tcp", "host": "10.0.2.2", "port": 7777, "expect": "open", "group": "ports",
     "confirm": 2, "confirm_window": 3, "zzz": 1},
    {"id": "c", "type": "tls_cert", "host": "manage.lab.test", "port": 443, "server_name": "manage.lab.test",
     "names": ["manage.lab.test"], "cert_warn_days": 30, "cert_crit_days": 14, "same_cert_as": ["c"],
     "distinct_from": ["t"], "distinct_from_sha256": ["ab" * 32], "full_handshake": True},
    {"id": "d", "type": "dns", "server": "10.0.2.2:53", "name": "manage.lab.test", "record": "AAAA",
     "expect_addresses": ["2001:db8::1"]},
    {"id": "h", "type": "http", "url": "http://10.0.2.2:8080/testall", "expect_status": [200, 204],
     "warn_status": [301, 302], "expect_body": "OK", "host_header": "manage.lab.test", "username": "u",
     "password": "p", "expect_https_redirect": False},
    {"id": "s", "type": "smtp", "host": "10.0.2.2", "port": 25, "starttls": "prefer", "username": "u",
     "password": "p"},
    {"id": "n", "type": "ntp", "server": "10.0.2.2:123", "ntp_warn_ms": 500, "ntp_crit_ms": 2000},
]
BASE_APPLIANCE = {"name": "prod", "load_balancer": "192.0.2.10", "nodes": ["192.0.2.11"],
                  "domain_names": {"dashboard": "manage.example.com", "root_tenant_authority": "rta.example.com",
                                   "webtask": "webtask.example.com", "app_tenants": ["app1.example.com"]},
                  "ports": {"https": 443, "http": 80, "mesh": [7777]}, "resolvers": ["192.0.2.53"],
                  "smtp": {"host": "192.0.2.25", "port": 587, "username": "probe", "password": "secret"},
                  "ntp": ["192.0.2.123"], "egress": ["cdn.auth0.com:443"],
                  "other_environment": {"nodes": ["198.51.100.20"], "cert_sha256": ["ab" * 32]}}
BAD_VALUES = [{}, -1, 70000, "", "x" * 300, "a\u0001b", ["x", 1], "999.1.1.1:0"]


def spoiled(obj, key, bad):
    changed = dict(obj)
    if bad is KeyError:
        del changed[key]
    else:
        changed[key] = bad
    return changed


for bad_index, bad in enumerate(BAD_VALUES + [KeyError]):
    tag = f"{bad_index:02d}"
    # Each check type: one config, one check per key, that key spoiled.
    for check in BASE_CHECKS:
        checks = []
        for k, key in enumerate(check):
            changed = spoiled(check, key, bad)
            if key != "id":
                changed["id"] = f"{check['id']}{k}"
            checks.append(changed)
        seed("config", f"bad-{check['type']}-{tag}.json", json.dumps({"schema": 1, "checks": checks}))
    # Sections: every key spoiled at once (each is reported on its own path).
    for section in ("defaults", "device", "network", "alerts"):
        body = FULL_CONFIG[section]
        for key in list(body):
            body = spoiled(body, key, bad)
        seed("config", f"bad-{section}-{tag}.json", json.dumps({"schema": 1, section: body}))
    appliance = BASE_APPLIANCE
    for key in list(appliance):
        appliance = spoiled(appliance, key, bad)
    seed("config", f"bad-appliance-{tag}.json", json.dumps({"schema": 1, "appliance": appliance}))
    for sub in ("domain_names", "ports", "smtp", "other_environment"):
        body = BASE_APPLIANCE[sub]
        for key in list(body):
            body = spoiled(body, key, bad)
        seed("config", f"bad-appliance-{sub}-{tag}.json",
             json.dumps({"schema": 1, "appliance": dict(BASE_APPLIANCE, **{sub: body})}))
# An unknown key in every object (each is an error with its own path), a resolver
# list too long and mixed, a maintenance window without its end.
seed("config", "unknown-keys.json", json.dumps({
    "schema": 1, "zzz": 1, "device": {"zzz": 1}, "defaults": {"zzz": 1},
    "network": {"mode": "dhcp", "zzz": 1, "dns": ["10.0.2.2:53", "192.0.2.3:54", "ns.lab.test"]},
    "alerts": {"zzz": 1, "mail": {"zzz": 1}, "syslog": {"zzz": 1}, "snmp": {"zzz": 1}},
    "maintenance": [{"start": "2026-11-22T10:00:00Z", "zzz": 1}, 5],
    "appliance": dict(BASE_APPLIANCE, zzz=1, domain_names=dict(BASE_APPLIANCE["domain_names"], zzz=1),
                      ports=dict(BASE_APPLIANCE["ports"], zzz=1), smtp=dict(BASE_APPLIANCE["smtp"], zzz=1)),
    "checks": [5]}))
# Appliances of other shapes: names where addresses were, case, underscores, short
# and reserved labels, several resolvers and NTP servers, the health API key.
seed("config", "appliance-variants.json", json.dumps({"schema": 1, "appliance": {
    "name": "prod_env.x", "load_balancer": "lb.example.com",
    "nodes": ["n1.example.com", "192.0.2.12"],
    "domain_names": {"dashboard": "MANAGE.example.com", "root_tenant_authority": "ab.other.org",
                     "webtask": "web_task.example.com", "app_tenants": ["login.example.com", "Api.example.com"]},
    "resolvers": ["192.0.2.53", "192.0.2.54"], "ntp": ["192.0.2.123", "192.0.2.124"], "health_api_key": "k",
    "egress": ["cdn.auth0.com:443", "a.b:80"], "smtp": {"host": "smtp.example.com"}}}))
seed("config", "appliance-nodes-only.json", json.dumps({"schema": 1, "appliance": {
    "name": "n", "nodes": ["192.0.2.11"], "domain_names": {"app_tenants": []}},
    "checks": [{"id": "n-tcp-192-0-2-11-7777", "type": "tcp", "host": "10.0.2.2", "port": 1}]}))
# The appliance without one key at a time (the rest valid): what it needs, what has defaults.
for key in BASE_APPLIANCE:
    seed("config", f"appliance-without-{key}.json",
         json.dumps({"schema": 1, "appliance": spoiled(BASE_APPLIANCE, key, KeyError)}))
seed("config", "escapes-and-numbers.json",
     '{"schema":1.0,"device":{"name":"a\\u00e9\\"b\\/c\\t"},"checks":[{"id":"x","type":"tcp",'
     '"host":"10.0.2.2","port":-1,"timeout_ms":1e3,"confirm":true}],"alerts":null}')

# --- icmp_unreachable (the datagram from its outer IPv4 header) ---------------------
def inet_sum(data):
    if len(data) % 2:
        data += b"\0"
    acc = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return (~acc) & 0xFFFF


def ipv4(proto, payload, src="198.51.100.1", dst="192.0.2.50", options=b""):
    ihl = (20 + len(options)) // 4
    head = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + len(payload), 0, 0, 64, proto, 0,
                       bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return head + options + payload


def icmp(kind, code, quoted, checksum=None):
    body = struct.pack("!BBHI", kind, code, 0, 0) + quoted
    value = inet_sum(body) if checksum is None else checksum
    return body[:2] + struct.pack("!H", value) + body[4:]


def quoted_tcp(proto=6, options=b"", transport=None):
    if transport is None:  # the box's SYN: ports 49152 -> 443, its sequence number
        transport = struct.pack("!HHI", 49152, 443, 0x01020304)
    return ipv4(proto, transport, src="192.0.2.50", dst="203.0.113.9", options=options)


seed("icmp_unreachable", "port-unreachable", ipv4(1, icmp(3, 3, quoted_tcp())))
seed("icmp_unreachable", "admin-prohibited", ipv4(1, icmp(3, 13, quoted_tcp())))
seed("icmp_unreachable", "unknown-code", ipv4(1, icmp(3, 99, quoted_tcp())))
for code in (6, 7, 8, 9):  # the other codes that say no path leads to the host
    seed("icmp_unreachable", f"code-{code}", ipv4(1, icmp(3, code, quoted_tcp())))
# An odd-length message (a quoted segment with one byte past the 64 bits RFC 792 asks
# for), and a quoted header with options (IHL 6).
seed("icmp_unreachable", "odd-length", ipv4(1, icmp(3, 1, quoted_tcp(transport=struct.pack("!HHIB", 49152, 443, 7, 0)))))
seed("icmp_unreachable", "quoted-options", ipv4(1, icmp(3, 0, quoted_tcp(options=b"\x01\x01\x01\x00"))))
seed("icmp_unreachable", "outer-options", ipv4(1, icmp(3, 10, quoted_tcp()), options=b"\x01\x01\x01\x00"))
seed("icmp_unreachable", "bad-checksum", ipv4(1, icmp(3, 3, quoted_tcp(), checksum=0x1234)))
seed("icmp_unreachable", "echo-reply", ipv4(1, icmp(0, 0, b"ping")))
seed("icmp_unreachable", "quoted-udp", ipv4(1, icmp(3, 3, quoted_tcp(proto=17))))
seed("icmp_unreachable", "quoted-not-ipv4", ipv4(1, icmp(3, 3, b"\x60" + quoted_tcp()[1:])))
seed("icmp_unreachable", "quoted-cut", ipv4(1, icmp(3, 3, quoted_tcp()[:24])))
seed("icmp_unreachable", "quoted-header-cut", ipv4(1, icmp(3, 3, quoted_tcp()[:12])))
# A quoted header whose IHL (15: 60 bytes) runs past the message.
seed("icmp_unreachable", "quoted-ihl-past-the-end", ipv4(1, icmp(3, 3, b"\x4f" + quoted_tcp()[1:])))
seed("icmp_unreachable", "outer-ihl-past-the-end", b"\x4f" + ipv4(1, icmp(3, 3, quoted_tcp()))[1:40])
# A total length too short for the ICMP header.
seed("icmp_unreachable", "total-too-short", ipv4(1, icmp(3, 3, quoted_tcp()))[:2] + b"\x00\x18" +
     ipv4(1, icmp(3, 3, quoted_tcp()))[4:])
seed("icmp_unreachable", "not-icmp", ipv4(6, b"\0" * 20))
seed("icmp_unreachable", "ipv6", b"\x60" + b"\0" * 39)
seed("icmp_unreachable", "short", b"\x45\0\0\x14")
seed("icmp_unreachable", "total-past-the-end", ipv4(1, icmp(3, 3, quoted_tcp()))[:40])
seed("icmp_unreachable", "ihl-too-small", b"\x44" + ipv4(1, icmp(3, 3, quoted_tcp()))[1:])


# --- sntp_reply (the harness takes the reply's originate as the request it answers) --
def ntp(li=0, version=4, mode=4, stratum=2, refid=b"GPS\0", receive=(0xEC8F0000, 1), transmit=(0xEC8F0000, 2),
        originate=(0xEC8F0000, 0x80000000), size=48):
    packet = struct.pack("!BBbb", li << 6 | version << 3 | mode, stratum, 6, -20) + struct.pack("!II", 0, 0) + refid
    packet += struct.pack("!II", 0xEC8EFFF0, 0) + struct.pack("!II", *originate)
    packet += struct.pack("!II", *receive) + struct.pack("!II", *transmit)
    return (packet + b"\0" * 8)[:size] if size != 48 else packet


seed("sntp_reply", "chrony-stratum-2", ntp() + b"\x05")  # the byte past 48: the harness's round trip
seed("sntp_reply", "kiss-rate", ntp(stratum=0, refid=b"RATE"))
seed("sntp_reply", "kiss-unprintable", ntp(stratum=0, refid=b"\x01\xff\x7fD"))
seed("sntp_reply", "stratum-16", ntp(stratum=16))
# A request sent in 1968 (era 0, before the Unix epoch): negative Unix time.
seed("sntp_reply", "before-1970", ntp(originate=(0x80000000, 0x40000000)))
seed("sntp_reply", "transmit-fraction-only", ntp(transmit=(0, 5)))
seed("sntp_reply", "unsynchronised", ntp(li=3, stratum=16))
seed("sntp_reply", "no-transmit-time", ntp(transmit=(0, 0)))
seed("sntp_reply", "client-mode", ntp(mode=3))
seed("sntp_reply", "version-0", ntp(version=0))
seed("sntp_reply", "version-5", ntp(version=5))
seed("sntp_reply", "era-1", ntp(receive=(0x00000010, 0), transmit=(0x00000010, 5), originate=(0x0000000F, 0)))
seed("sntp_reply", "short", ntp()[:47])
# The originate the harness takes from a packet too short to hold one: another request's.
seed("sntp_reply", "no-originate", ntp()[:20])


# --- tls_legacy_answer (a server's first record; the last byte sizes the hello's buffer)
def record(kind, body, version=0x0301, length=None):
    return struct.pack("!BHH", kind, version, len(body) if length is None else length) + body


def server_hello(version):
    hello = struct.pack("!H", version) + bytes(32) + b"\0" + struct.pack("!HB", 0x002F, 0)
    return record(22, struct.pack("!B", 2) + len(hello).to_bytes(3, "big") + hello, version=version)


seed("tls_legacy_answer", "server-hello-1.0", server_hello(0x0301))
seed("tls_legacy_answer", "server-hello-1.1", server_hello(0x0302))
seed("tls_legacy_answer", "server-hello-ssl3", server_hello(0x0300))
seed("tls_legacy_answer", "server-hello-1.2", server_hello(0x0303))
seed("tls_legacy_answer", "alert-protocol-version", record(21, b"\x02\x46", version=0x0303))
seed("tls_legacy_answer", "alert-cut", record(21, b"\x02\x28")[:6])
seed("tls_legacy_answer", "certificate-first", record(22, b"\x0b\0\0\x03\0\0\0" + bytes(4)))
seed("tls_legacy_answer", "hello-cut", server_hello(0x0301)[:9])
seed("tls_legacy_answer", "application-data", record(23, b"x" * 16))
seed("tls_legacy_answer", "tls13-record", record(22, b"\x02", version=0x0304))
seed("tls_legacy_answer", "empty-record", record(22, b""))
seed("tls_legacy_answer", "oversized-record", record(22, b"\x02", length=0x4900))
seed("tls_legacy_answer", "http-reply", b"HTTP/1.1 400 Bad Request\r\n\r\n")
seed("tls_legacy_answer", "four-bytes", b"\x16\x03\x01\x00")
# The hello for an IP literal (no SNI), and for a name in a buffer too small for it.
seed("tls_legacy_answer", "ip-literal", b"192.0.2.10")
seed("tls_legacy_answer", "ipv6-literal", b"2001:db8::1")
seed("tls_legacy_answer", "empty", b"")
seed("tls_legacy_answer", "small-buffer", b"lb.lab.test\x20")


# --- certificate -----------------------------------------------------------------
# Made with Debian's python3-cryptography when it is there (/usr/bin/python3): key
# types, signature hashes, SAN lists (wildcards, IP addresses, more than the
# summary keeps), chains that end at a root and chains cut short.


def certificates():
    try:
        import datetime
        import ipaddress
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        print("python3-cryptography missing: certificate seeds not written (use /usr/bin/python3)")
        return
    start = datetime.datetime(2026, 1, 1)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "probebox seeds"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def make(cn, key, issuer_cn, issuer_key, sans=(), ca=False, digest=hashes.SHA256(), days=90,
             ):
        b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(issuer_cn))
             .public_key(key.public_key()).serial_number(abs(hash(cn)) % (1 << 60) + 1)
             .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days)))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        return b.sign(issuer_key, digest)

    def pem(*certs):
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    root_key = rsa.generate_private_key(65537, 2048)
    inter_key = ec.generate_private_key(ec.SECP384R1())
    root = make("seed root", root_key, "seed root", root_key, ca=True, days=3650)
    inter = make("seed intermediate", inter_key, "seed root", root_key, ca=True, digest=hashes.SHA384())
    dns = x509.DNSName
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = make("manage.lab.test", leaf_key, "seed intermediate", inter_key,
                sans=[x509.IPAddress(ipaddress.ip_address("192.0.2.10")), dns("*.test"), dns("*.*.lab.test"),
                      dns("*.other.test"), dns("*.lab.test"), dns("MANAGE.LAB.TEST.")],
                digest=hashes.SHA256())
    seed("certificate", "ec-leaf-full-chain.pem", pem(leaf, inter, root))
    seed("certificate", "ec-leaf-cut-chain.pem", pem(leaf, inter))
    seed("certificate", "ec-leaf.der", leaf.public_bytes(serialization.Encoding.DER))
    many = make("many.lab.test", leaf_key, "seed root", root_key,
                sans=[dns(f"host{i:03d}.lab.test") for i in range(80)], digest=hashes.SHA512())
    seed("certificate", "many-sans.pem", pem(many, root))
    seed("certificate", "root-then-intermediate.pem", pem(root, inter))
    small_key = rsa.generate_private_key(65537, 1024)
    seed("certificate", "rsa1024-sha1.pem", pem(make("old.lab.test", small_key, "old.lab.test", small_key,
                                                     sans=[dns("wild.lab.test")], digest=hashes.SHA1())))
    seed("certificate", "rsa-sha224.pem", pem(make("224.lab.test", small_key, "224.lab.test", small_key,
                                                   digest=hashes.SHA224())))
    # RSASSA-PSS: this python3-cryptography cannot sign with it, openssl can.
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                              os.path.join(tmp, "k.pem"), "-subj", "/CN=pss.lab.test", "-sha256", "-sigopt",
                              "rsa_padding_mode:pss", "-days", "30"], capture_output=True)
        if out.returncode == 0:
            seed("certificate", "rsa-pss.pem", out.stdout)
    seed("certificate", "no-san.pem", pem(make("nosan", leaf_key, "seed intermediate", inter_key)))
    # Dates before 1970 and after 2049 (GeneralizedTime), and a leaf whose issuer is
    # neither in the chain nor the chain's own root.
    old = (x509.CertificateBuilder().subject_name(name("1969.lab.test")).issuer_name(name("elsewhere"))
           .public_key(leaf_key.public_key()).serial_number(7)
           .not_valid_before(datetime.datetime(1969, 7, 20)).not_valid_after(datetime.datetime(2051, 1, 1))
           .add_extension(x509.SubjectAlternativeName([dns("*.lab.test")]), critical=False)
           .sign(inter_key, hashes.SHA384()))
    seed("certificate", "dates-1969-2051.pem", pem(old))


certificates()


def main():
    for (harness, name), data in sorted(SEEDS.items()):
        d = os.path.join(HERE, "corpus", harness)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name)
        if harness == "certificate" and os.path.exists(path):
            continue  # new keys every run: keep the committed ones
        with open(path, "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds written under {os.path.join(HERE, 'corpus')}")


if __name__ == "__main__":
    main()
