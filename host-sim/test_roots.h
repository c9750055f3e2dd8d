// A TEST set of "public" roots for the host simulator (--public-roots-pem) and the
// unit tests: a lab CA that must pass as public, in the flash table's own form
// (protocols/root_store.h), built at start-up from PEM by mbedTLS's parser. Its keys
// are kept verbatim (form 0); the build's generator shares the DER around them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/root_store.h"

namespace probebox::sim {

class TestRoots {
 public:
  // Adds every certificate of `pem` (one or more PEM blocks) with `not_after` (Unix
  // seconds); false when none could be read.
  bool add_pem(std::string_view pem, uint32_t not_after = 0xFFFFFFFFu);
  // The table over what was added; valid until the next add. `source` names the set.
  const x509::RootTable& table(std::string_view source = "TEST SET");
  size_t size() const { return entries_.size(); }

 private:
  std::vector<uint8_t> blob_;
  std::vector<x509::RootEntry> entries_;
  std::string source_;
  x509::RootKeyForm verbatim_{};
  x509::RootTable table_{};
};

}  // namespace probebox::sim
