#include "test_roots.h"

#include <algorithm>

#include "mbedtls/x509_crt.h"

namespace probebox::sim {

bool TestRoots::add_pem(std::string_view pem, uint32_t not_after) {
  std::string text(pem);  // mbedTLS wants the PEM NUL-terminated, the NUL counted
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  int rc = mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1);
  size_t before = entries_.size();
  for (const mbedtls_x509_crt* c = &chain; rc == 0 && c != nullptr && c->raw.p != nullptr; c = c->next) {
    entries_.push_back({x509::subject_hash({c->subject_raw.p, c->subject_raw.len}), not_after,
                        static_cast<uint32_t>(blob_.size()), static_cast<uint16_t>(c->pk_raw.len), 0, 0});
    blob_.insert(blob_.end(), c->pk_raw.p, c->pk_raw.p + c->pk_raw.len);
  }
  mbedtls_x509_crt_free(&chain);
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const x509::RootEntry& a, const x509::RootEntry& b) { return a.subject_hash < b.subject_hash; });
  return rc == 0 && entries_.size() > before;
}

const x509::RootTable& TestRoots::table(std::string_view source) {
  source_.assign(source);
  table_ = {entries_.data(), static_cast<uint16_t>(entries_.size()), blob_.data(),
            static_cast<uint32_t>(blob_.size()), &verbatim_, 1, source_.c_str()};
  return table_;
}

}  // namespace probebox::sim
