// The web UI's files, gzipped at build time from web-ui/ (cmake/embed_web_assets.cmake)
// and served from flash as they are: every browser takes gzip.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace probebox {

struct WebAsset {
  const char* path;
  const char* content_type;
  const uint8_t* gzip_data;
  size_t gzip_length;
};

// Exact match only: no directory walking, so no traversal to guard against.
const WebAsset* find_web_asset(std::string_view path);
size_t web_assets_total_bytes();

}  // namespace probebox
