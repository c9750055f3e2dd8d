#include "fake_tls_server.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

namespace probebox::test {
namespace {

// The certificate and key of tests/lab/hostile_lab.py, so the unit and the lab tests
// judge the same certificate.
constexpr char kLabCertPem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDZDCCAkygAwIBAgIUU4h2xP7FuTUBEJLODr9G7PuwPnswDQYJKoZIhvcNAQEL\n"
    "BQAwMjEVMBMGA1UECgwMcHJvYmVib3ggbGFiMRkwFwYDVQQDDBBob3N0aWxlLmxh\n"
    "Yi50ZXN0MCAXDTI2MTEyMzA0NDEwMloYDzIwNTYxMTE1MDQ0MTAyWjAyMRUwEwYD\n"
    "VQQKDAxwcm9iZWJveCBsYWIxGTAXBgNVBAMMEGhvc3RpbGUubGFiLnRlc3QwggEi\n"
    "MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDBdWJSm5jA780BcmgY72VTmXFy\n"
    "DLmhLPUhWv+3sBSHQPTyL2e8pXLdBwlxcYkZWH+4qmJvCOsdmPyL6XuMSEfVEIH3\n"
    "v3Yyp1uGVvk1NdwdRwDAJN+6xOiZgb5sLgEvdM0lOC72XJX9h/aOSVM2QHFMwSG4\n"
    "q4FdC6R6FT5DcgDefwUUI/Z5i4AJPR3jbQjpARALVClT8HEzY21kBbFWvquriECo\n"
    "iJPdLVU2Q7k4FkjO5Lo6WxWLOeph3m6IWHv1H9t3Q6dJG4Fv0vjr8c9gbeugQMfB\n"
    "JzSdbMf5FMqCHyYgjsg1RDjyZAINLMiwHdg/JtaIppQrEs/3s6khWHmTGEmtAgMB\n"
    "AAGjcDBuMB0GA1UdDgQWBBTgWDUJhVb0XTHKltUWs1Q7F29yhDAfBgNVHSMEGDAW\n"
    "gBTgWDUJhVb0XTHKltUWs1Q7F29yhDAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQU\n"
    "MBKCEGhvc3RpbGUubGFiLnRlc3QwDQYJKoZIhvcNAQELBQADggEBAJAUEfwGzEWK\n"
    "JJMJyUDof1i9gp/W3PFbWC6KM702pntupM+ZYNW4CalnQb7wYyE7fxLxwlFJOdsl\n"
    "66JhHH0CTsVst7BsJ9lHx84PBzBdGpXveNcv4jM5eIaSgsOCMemmBCV/c1UyGAUI\n"
    "cPkAo3m4YcMZ0OX2/s49gInwZB30qHehvqfWibN0TbpqTKSe2P8gYEErrZTraLhm\n"
    "FS+uShkHHHDP+yNtKGwBaiDCmkgr2Mtn7nbHnPCzTBU4EUOzaZxGMNxHqbjAslXY\n"
    "Nt0LQyC6P+CB9LSD4PYMECVvnO2ep2sm5XT8p5xk+5JqHtMOhqSpO6/sjJivprZu\n"
    "kLrK+UauOpg=\n"
    "-----END CERTIFICATE-----\n";

constexpr char kLabKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDBdWJSm5jA780B\n"
    "cmgY72VTmXFyDLmhLPUhWv+3sBSHQPTyL2e8pXLdBwlxcYkZWH+4qmJvCOsdmPyL\n"
    "6XuMSEfVEIH3v3Yyp1uGVvk1NdwdRwDAJN+6xOiZgb5sLgEvdM0lOC72XJX9h/aO\n"
    "SVM2QHFMwSG4q4FdC6R6FT5DcgDefwUUI/Z5i4AJPR3jbQjpARALVClT8HEzY21k\n"
    "BbFWvquriECoiJPdLVU2Q7k4FkjO5Lo6WxWLOeph3m6IWHv1H9t3Q6dJG4Fv0vjr\n"
    "8c9gbeugQMfBJzSdbMf5FMqCHyYgjsg1RDjyZAINLMiwHdg/JtaIppQrEs/3s6kh\n"
    "WHmTGEmtAgMBAAECggEADqjsxbpFQc+aLyMiiMsxWDuvOVeGBJTx0XCCIsMM1zAA\n"
    "r86QU58M/HtRR5+1Ji7K5O1CbswT9wb2Eksj4d5DVT2+P44qcI22lZBHK7VUZAKS\n"
    "p7zTmGVeA+3tRmjZDaXR+uFOS7x54D+6mw8q51hMTabv/Xy/nZOph9fOw1EjCDkh\n"
    "j9zWs9sS2G22KDsmr1VarIWf2WrTtiEn6P95Wxvd4L8kg0v16N9UwwRwP8aF1mE3\n"
    "tGm1F/436KsOsJuUs35DFRK2pnN21mMIkt7hGfsk4ZpVgEwlAcs8Mp7IOHQieyhZ\n"
    "RtAVKHPh0AHYRUYIDZyFuVpkpMkKkANPLCBSCH9rmQKBgQDwFnd8dGSa5PwcQxJt\n"
    "yjuIFT4zVjii4I4Wvy/jG92rYmMca4Wmxug6AATp8G8i4C20TJ7peOUAywDk2XiX\n"
    "vjc4ruVX00m+cf39wuL9YXkexJNxC0+NgIXfuNinYukJkxjrDraJb/DustrhNbL0\n"
    "bhwDTfiEHu4JUIjfX+5SFqiP+QKBgQDOR8QiP+2aIFii/MAo5AfcK9W9Ia0uMS3r\n"
    "6zeMS7/X9Nz2B1n0Rg4sz3lkoQkzDnPnQ4c7aOCjYwkhAajV0N8YeaOx/6B+JN+Q\n"
    "N1obhfyAOCfqFEIBm8ZXnWVe8a0dA6sq939YB+ezuWRbYK32dOjJQtggQARizUSG\n"
    "2YA1YztcVQKBgGizI4BesdDqsxcQGOVQIA4EVY/FtgUxsEUzMwrziAPJcDdgnHRS\n"
    "octJXts2QwEOil/qWhKu6g8ieE1UmUZzaVmKy/E07x/iTkVvy9V7wHoud64ApLys\n"
    "o7Ugwzqb48yNHXzEec4NxyARV2qHJHd73TODuTDE3EGroUTobOHXh8LhAoGAHHtq\n"
    "SHRdQU/ADVkqyzqZHzxqOcAhomQl/BIxTEzVQ2NK8ymWsRTPNj67ezqFA6i2NjNr\n"
    "w7c6dTTieM0627MIat+4y4YJSgGbYNVTusMoVyfp0vdTGdfBbi2MZqymA4CTLM6Z\n"
    "pbUJuBYcFkXmH0aLMebp4qIUOPQwxxHXEwgNlTUCgYBNmq6ptGkrKKyqcEXaDyKB\n"
    "YnZkocxDWaRlhh6sjdr4+FbO+hQQUFTFv8H3LAjL62tAwN+ks+FTDfay6c2mwJFb\n"
    "Uc0EydKgm7lpBkIzr3x2ZjzXIaG/gVAk6tR/xrgUedIFLX5tumIX3XI6+jCQjYmR\n"
    "4PRNnrjuSWeuSdnSIn1i4g==\n"
    "-----END PRIVATE KEY-----\n";

int fixed_entropy(void*, unsigned char* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(i * 37 + 11);
  return 0;
}

// One server session: the bytes the box sent come in through `in`, what the server
// writes collects in `out` until the conversation hands it to the peer.
struct Session {
  Session() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~Session() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool setup() {
    static const unsigned char kPers[] = "probebox fake tls server";
    if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, nullptr, kPers, sizeof(kPers)) != 0) return false;
    if (mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(kLabCertPem), sizeof(kLabCertPem)) != 0) {
      return false;
    }
    if (mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(kLabKeyPem), sizeof(kLabKeyPem), nullptr,
                             0, mbedtls_ctr_drbg_random, &drbg) != 0) {
      return false;
    }
    if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
      return false;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    if (tls13_only) mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
    if (tickets) mbedtls_ssl_conf_session_tickets_cb(&conf, ticket_write, ticket_parse, tickets.get());
    if (mbedtls_ssl_conf_own_cert(&conf, &crt, &key) != 0) return false;
    if (mbedtls_ssl_setup(&ssl, &conf) != 0) return false;
    mbedtls_ssl_set_bio(&ssl, this, bio_send, bio_recv, nullptr);
    return true;
  }

  static int ticket_write(void* p, const mbedtls_ssl_session* session, unsigned char* start, const unsigned char* end,
                          size_t* tlen, uint32_t* lifetime) {
    auto* policy = static_cast<TicketPolicy*>(p);
    *lifetime = 3600;
    if (end - start < 1) return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    *start = policy->key;
    int rc = mbedtls_ssl_session_save(session, start + 1, static_cast<size_t>(end - start - 1), tlen);
    if (rc == 0) ++*tlen;
    if (rc == 0) ++policy->issued;
    return rc;
  }
  static int ticket_parse(void* p, mbedtls_ssl_session* session, unsigned char* buf, size_t len) {
    auto* policy = static_cast<TicketPolicy*>(p);
    if (!policy->accept || len < 1 || buf[0] != policy->key) return MBEDTLS_ERR_SSL_INVALID_MAC;
    int rc = mbedtls_ssl_session_load(session, buf + 1, len - 1);
    if (rc == 0) ++policy->resumed;
    return rc;
  }

  static int bio_send(void* ctx, const unsigned char* buf, size_t len) {
    static_cast<Session*>(ctx)->out.append(reinterpret_cast<const char*>(buf), len);
    return static_cast<int>(len);
  }
  static int bio_recv(void* ctx, unsigned char* buf, size_t len) {
    auto* s = static_cast<Session*>(ctx);
    size_t n = std::min(len, s->in.size() - s->consumed);
    if (n == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    std::memcpy(buf, s->in.data() + s->consumed, n);
    s->consumed += n;
    return static_cast<int>(n);
  }

  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt crt;
  mbedtls_pk_context key;
  mbedtls_ctr_drbg_context drbg;
  std::string in;
  size_t consumed = 0;
  std::string out;
  std::string plain;  // decrypted application data so far
  bool ok = false;
  bool done = false;
  bool tls13_only = false;
  std::shared_ptr<TicketPolicy> tickets;
};

}  // namespace

std::string_view lab_cert_pem() { return {kLabCertPem, sizeof(kLabCertPem) - 1}; }
std::string_view lab_key_pem() { return {kLabKeyPem, sizeof(kLabKeyPem) - 1}; }

namespace {
FakePeer::Conversation server(FakePeer::Conversation inner, bool tls13_only,
                              std::shared_ptr<TicketPolicy> tickets = nullptr) {
  // Shared by the copies std::function makes; a fresh session per connection.
  auto session = std::make_shared<std::unique_ptr<Session>>();
  return [session, inner, tls13_only, tickets](std::string_view received) -> FakePeer::Reply {
    if (received.empty()) {
      *session = std::make_unique<Session>();
      (*session)->tls13_only = tls13_only;
      (*session)->tickets = tickets;
      (*session)->ok = (*session)->setup();
    }
    Session& s = **session;
    if (!s.ok) return {"", FakePeer::Reply::Close::kRst};
    s.in.assign(received);  // everything so far; `consumed` marks what mbedTLS read
    while (!s.done) {
      int ret = mbedtls_ssl_handshake(&s.ssl);
      if (ret == 0) {
        s.done = true;
        if (s.tickets) ++s.tickets->handshakes;
      }
      else if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) break;
      else return {std::move(s.out), FakePeer::Reply::Close::kRst};
    }
    FakePeer::Reply reply;
    if (s.done && inner) {
      unsigned char buf[512];
      bool more = false;
      // A record mbedTLS holds back (mbedtls_ssl_check_pending) is read on at once.
      auto read = [&s, &buf] {
        int n = mbedtls_ssl_read(&s.ssl, buf, sizeof(buf));
        for (int rounds = 0; n == MBEDTLS_ERR_SSL_WANT_READ && mbedtls_ssl_check_pending(&s.ssl) && rounds < 16; ++rounds) {
          n = mbedtls_ssl_read(&s.ssl, buf, sizeof(buf));
        }
        return n;
      };
      for (int n; (n = read()) > 0;) {
        s.plain.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
        more = true;
      }
      if (more || s.plain.empty()) reply = inner(s.plain);
      size_t at = 0;
      while (at < reply.data.size()) {
        int n = mbedtls_ssl_write(&s.ssl, reinterpret_cast<const unsigned char*>(reply.data.data() + at),
                                  reply.data.size() - at);
        if (n <= 0) return {std::move(s.out), FakePeer::Reply::Close::kRst};
        at += static_cast<size_t>(n);
      }
      // A server that closes says so first, in the same flight as its last answer, as
      // OpenSSL's and mbedTLS's do.
      if (reply.close == FakePeer::Reply::Close::kFin) (void)mbedtls_ssl_close_notify(&s.ssl);
    }
    reply.data = std::move(s.out);
    s.out.clear();
    return reply;
  };
}
}  // namespace

FakePeer::Conversation tls_server(FakePeer::Conversation inner) { return server(std::move(inner), false); }
FakePeer::Conversation tls13_only_server(FakePeer::Conversation inner) { return server(std::move(inner), true); }
FakePeer::Conversation tls_server_with_tickets(std::shared_ptr<TicketPolicy> tickets, FakePeer::Conversation inner) {
  return server(std::move(inner), false, std::move(tickets));
}
FakePeer::Conversation tls13_only_server_with_tickets(std::shared_ptr<TicketPolicy> tickets,
                                                      FakePeer::Conversation inner) {
  return server(std::move(inner), true, std::move(tickets));
}

}  // namespace probebox::test
