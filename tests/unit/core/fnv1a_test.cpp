#include "core/fnv1a.h"

#include <gtest/gtest.h>

#include <string>

#include "core/text.h"

namespace probebox {
namespace {

// The published FNV-1a 64-bit test vectors (Fowler, Noll and Vo's reference tables).
static_assert(fnv1a(kFnv1aBasis, "") == 0xcbf29ce484222325ULL);
static_assert(fnv1a(kFnv1aBasis, "a") == 0xaf63dc4c8601ec8cULL);
static_assert(fnv1a(kFnv1aBasis, "foobar") == 0x85944171f73967e8ULL);

TEST(Fnv1a, HashingInPiecesIsHashingTheWhole) {
  const std::string text = "{\"checks\":[{\"id\":\"lb-443\",\"type\":\"tcp\"}]}";
  const std::string_view whole(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(fnv1a(fnv1a(kFnv1aBasis, whole.substr(0, cut)), whole.substr(cut)), fnv1a(kFnv1aBasis, whole)) << cut;
  }
}

// A slice's skipped prefix is hashed as the web server and the config store hash
// the same bytes, however the appends fall across the skip.
TEST(Fnv1a, ASliceHashesItsSkippedPrefixAsTheWholeIsHashed) {
  const std::string text = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"ok\":true}";
  const std::string_view whole(text);
  for (size_t skip = 0; skip <= text.size(); ++skip) {
    for (size_t piece = 1; piece <= 7; ++piece) {
      char storage[8];
      SliceText slice(storage, sizeof storage - 1, skip);
      for (size_t at = 0; at < text.size(); at += piece) slice.append(whole.substr(at, piece));
      EXPECT_EQ(slice.prefix_hash(), fnv1a(kFnv1aBasis, whole.substr(0, skip))) << "skip " << skip << ", pieces of " << piece;
      EXPECT_EQ(slice.view(), whole.substr(skip, sizeof storage - 1));
    }
  }
}

}  // namespace
}  // namespace probebox
