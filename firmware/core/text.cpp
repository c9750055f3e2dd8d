#include "core/text.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/view.h"

namespace probebox {

bool TextBuffer::next_part() {
  if (window_ == nullptr) return true;
  Window& w = *window_;
  ++w.part;
  if (w.part < w.resume_part) return false;
  if (w.part == w.resume_part) {
    w.muted = false;
    w.total = w.resume_at;
  }
  // Past a part skipped for a full window, no offset is known any more.
  if (w.stopped) return false;
  // The window's end, saturated (a measuring window skips everything).
  const size_t end = w.skip > SIZE_MAX - cap_ ? SIZE_MAX : w.skip + cap_;
  if (w.total <= end) {
    w.checkpoint_part = w.part;
    w.checkpoint_at = w.total;
  }
  if (w.stop_when_full && w.total >= end) {
    w.stopped = true;
    return false;
  }
  return true;
}

void TextBuffer::window_append(std::string_view s) {
  Window& w = *window_;
  if (w.muted) return;
  const std::string_view skipped = first(s, w.total < w.skip ? w.skip - w.total : 0);
  w.prefix_hash = fnv1a(w.prefix_hash, skipped);
  w.total += s.size();
  s.remove_prefix(skipped.size());
  size_t n = s.size() <= cap_ - len_ ? s.size() : cap_ - len_;
  if (n == 0) return;
  std::memcpy(data_ + len_, s.data(), n);
  len_ += n;
  data_[len_] = '\0';
}

void TextBuffer::append(std::string_view s) {
  if (s.empty()) return;  // an empty view may carry a null pointer: never hand it to memcpy
  if (window_ != nullptr) return window_append(s);
  size_t room = cap_ - len_;
  size_t n = s.size() <= room ? s.size() : room;
  if (n < s.size()) overflowed_ = true;
  std::memcpy(data_ + len_, s.data(), n);
  len_ += n;
  data_[len_] = '\0';
}

void TextBuffer::append(char c) { append(std::string_view(&c, 1)); }

void CompactText::append(std::string_view s) {
  if (s.empty()) return;  // an empty view may carry a null pointer: never hand it to memcpy
  size_t room = cap_ - len_;
  size_t n = s.size() <= room ? s.size() : room;
  if (n < s.size()) overflowed_ = true;
  std::memcpy(data_ + len_, s.data(), n);
  len_ = static_cast<uint16_t>(len_ + n);
}

void TextBuffer::append_uint(uint64_t v, size_t min_digits) {
  char digits[20];  // 18,446,744,073,709,551,615
  size_t n = 0;
  do {
    digits[sizeof(digits) - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (; min_digits > n; --min_digits) append('0');
  append(std::string_view(digits + sizeof(digits) - n, n));
}

void TextBuffer::append_int(int64_t v) {
  if (v < 0) {
    append('-');
    append_uint(static_cast<uint64_t>(-(v + 1)) + 1);
  } else {
    append_uint(static_cast<uint64_t>(v));
  }
}

void TextBuffer::append_fixed(double v, int decimals) {
  if (v != v) { append("0"); return; }  // NaN has no place in a JSON document
  if (v < 0) { append('-'); v = -v; }
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  if (v > 1e15) v = 1e15;
  auto scaled = static_cast<uint64_t>(v * static_cast<double>(scale) + 0.5);
  append_uint(scaled / scale);
  if (decimals > 0) {
    append('.');
    uint64_t frac = scaled % scale;
    for (uint64_t div = scale / 10; div > 0; div /= 10) {
      append(static_cast<char>('0' + (frac / div) % 10));
    }
  }
}

void TextBuffer::appendf(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  if (window_ != nullptr) {
    // Formatted into a bounded scratch first: a longer piece would be cut, which
    // in a streamed document is an error the caller must see.
    char piece[512];
    int n = std::vsnprintf(piece, sizeof(piece), fmt, args);
    va_end(args);
    if (n < 0) return;
    if (static_cast<size_t>(n) >= sizeof(piece)) overflowed_ = true;
    window_append(std::string_view(piece, static_cast<size_t>(n) < sizeof(piece) ? static_cast<size_t>(n) : sizeof(piece) - 1));
    return;
  }
  size_t room = cap_ - len_;
  int n = std::vsnprintf(data_ + len_, room + 1, fmt, args);
  va_end(args);
  if (n < 0) return;
  if (static_cast<size_t>(n) > room) {
    overflowed_ = true;
    len_ = cap_;
  } else {
    len_ += static_cast<size_t>(n);
  }
  data_[len_] = '\0';
}

}  // namespace probebox
