// libFuzzer: the certificate input path: PEM or DER into mbedTLS's parser, then the
// firmware's own summary of every certificate that parsed (dates, days left, SAN
// coverage of a name, with and without the final dot) and the chain judgement
// (alone, against itself as the trust anchors with handshake flags, and none).
#include <cstdint>
#include <cstddef>
#include <vector>

#include "mbedtls/x509_crt.h"
#include "protocols/x509_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  std::vector<unsigned char> buf(data, data + size);
  buf.push_back('\0');  // PEM wants its terminator
  int rc = mbedtls_x509_crt_parse(&chain, buf.data(), buf.size());
  if (rc >= 0 && chain.raw.p != nullptr) {
    constexpr int64_t kNow = 1796032475;  // 2026-11-30
    for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->raw.p != nullptr; c = c->next) {
      probebox::x509::CertSummary summary;
      probebox::x509::summarize(*c, summary);
      (void)probebox::x509::days_left(summary.not_after, kNow);
      (void)probebox::x509::days_left(summary.not_before, kNow);
      probebox::FixedText<32> when;
      probebox::x509::append_iso8601(when, summary.not_after);
      for (const char* name : {"manage.lab.test", "Manage.Lab.Test.", "lab.test", ".lab.test", "a.b.lab.test", "localhost", ""}) {
        (void)probebox::x509::covered_by_sans(name, summary);
      }
    }
    probebox::x509::judge_chain(&chain, nullptr, 0);
    // Itself as the anchors, with handshake flags (none when the size is even).
    probebox::x509::judge_chain(&chain, &chain, static_cast<uint32_t>(size & 1 ? size : 0));
  }
  mbedtls_x509_crt_free(&chain);
  probebox::x509::judge_chain(nullptr, nullptr, 0);  // no certificate sent at all
  return 0;
}
