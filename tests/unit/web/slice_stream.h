// What HttpServer::push does with a document, for the writers' tests: each slice
// resumed at the part the last one ended in, stopping when full except the last;
// the next checkpoint taken when it began inside the slice, the hash of the bytes
// sent from it kept. A slice whose resumed bytes differ, or a length that moved,
// is a cut, as the server ends the connection there.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>

#include "core/text.h"

namespace probebox::testing {

struct Streamed {
  std::string joined;
  bool cut = false;
  int slices = 0;
};

// `render(out, slice)` writes the whole document into `out` (a window) for the
// slice'th slice; `length` is the document's length as first rendered.
inline Streamed stream_slices(size_t slice_bytes, size_t length,
                              const std::function<void(TextBuffer&, int)>& render) {
  Streamed out;
  uint32_t part = 0;
  size_t part_at = 0;
  uint64_t part_hash = 14695981039346656037ULL;
  auto fnv = [](uint64_t h, const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ULL;
    return h;
  };
  for (size_t offset = 0; offset < length; ++out.slices) {
    const size_t n = std::min(slice_bytes, length - offset);
    const bool last = offset + n >= length;
    std::string buf(n + 1, '\0');
    SliceText slice(buf.data(), n, offset, {part, part_at, !last});
    render(slice, out.slices);
    if (slice.prefix_hash() != part_hash || slice.size() != n || (last && slice.total() != length)) {
      out.cut = true;
      return out;
    }
    out.joined.append(slice.view());
    if (slice.checkpoint_at() > part_at && slice.checkpoint_at() >= offset && slice.checkpoint_at() <= offset + n) {
      part = slice.checkpoint_part();
      part_at = slice.checkpoint_at();
      part_hash = fnv(14695981039346656037ULL, slice.view().data() + (part_at - offset), offset + n - part_at);
    } else {
      part_hash = fnv(part_hash, slice.view().data(), n);
    }
    offset += n;
  }
  return out;
}

}  // namespace probebox::testing
