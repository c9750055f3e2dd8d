// FNV-1a (64 bits): the fingerprint a document streamed in slices is checked by. A
// slice rendered again (core/text.h's window) must hash its prefix to what the web
// server (web/http_server.cpp) and the config store (config/config_store.cpp) hashed
// of the same bytes, so all three take this one definition.
#pragma once
#include <cstdint>
#include <string_view>

namespace probebox {

inline constexpr uint64_t kFnv1aBasis = 14695981039346656037ULL;

constexpr uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

}  // namespace probebox
