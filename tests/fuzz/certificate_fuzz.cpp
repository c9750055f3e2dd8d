// libFuzzer: the certificate input path: PEM or DER into mbedTLS's parser, then the
// firmware's own summary, name coverage and chain judgement of whatever parsed.
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
    probebox::x509::CertSummary summary;
    probebox::x509::summarize(chain, summary);
    probebox::x509::covered_by_sans("manage.lab.test", summary);
    probebox::x509::judge_chain(&chain, nullptr, 0);
  }
  mbedtls_x509_crt_free(&chain);
  return 0;
}
