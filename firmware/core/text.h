// Bounded text. TextBuffer is the capacity-erased base that APIs take; FixedText<N>
// owns the storage. Appending past the capacity truncates and sets overflowed(), so
// callers can report it instead of silently emitting a cut document.
#pragma once
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace probebox {

class TextBuffer {
 public:
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;

  void clear() { len_ = 0; overflowed_ = false; data_[0] = '\0'; }
  void append(std::string_view s);
  void append(char c);
  void append_int(int64_t v);
  void append_uint(uint64_t v);
  // Fixed-point with `decimals` digits after the point; no libc float printing,
  // which newlib-nano lacks.
  void append_fixed(double v, int decimals);
  void appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void assign(std::string_view s) { clear(); append(s); }

  const char* c_str() const { return data_; }
  std::string_view view() const { return {data_, len_}; }
  size_t size() const { return len_; }
  // Characters appended since clear(), counting those a window did not keep.
  size_t appended() const { return window_ ? total_ : len_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return len_ == 0; }
  bool overflowed() const { return overflowed_; }
  void truncate(size_t n) { if (n < len_) { len_ = n; data_[len_] = '\0'; } }
  // For a reader that writes straight into the buffer (a file, a flash slot), so
  // the text is not staged elsewhere first: the whole storage, then fill_done()
  // with the count written (at most capacity()).
  std::span<char> storage() { return {data_, cap_}; }
  void fill_done(size_t n) {
    len_ = n <= cap_ ? n : cap_;
    overflowed_ = false;
    data_[len_] = '\0';
  }

 protected:
  TextBuffer(char* data, size_t cap) : data_(data), cap_(cap) { data_[0] = '\0'; }
  ~TextBuffer() = default;

  // Window mode, for a document streamed in slices (web/http_server): the first
  // `skip` bytes appended are only counted and hashed (FNV-1a), the next ones are
  // kept up to the capacity, the rest only counted. Running out of room is then the
  // point, not an error: overflowed() stays false.
  void begin_window(size_t skip);
  size_t window_total() const { return total_; }
  uint64_t window_prefix_hash() const { return prefix_hash_; }

 private:
  void window_append(std::string_view s);

  char* data_;
  size_t cap_;  // usable characters, excluding the terminating NUL
  size_t len_ = 0;
  bool overflowed_ = false;
  bool window_ = false;
  size_t skip_ = 0;
  size_t total_ = 0;
  uint64_t prefix_hash_ = 0;
};

// A window of a document that is rendered again for each slice (one streamed
// without a whole-document buffer): bytes before `skip` are only counted and
// hashed, the next `cap` kept in `data` (cap + 1 chars, for the NUL), the rest
// counted; total() is the document's length.
class SliceText : public TextBuffer {
 public:
  SliceText(char* data, size_t cap, size_t skip) : TextBuffer(data, cap) { begin_window(skip); }
  size_t total() const { return window_total(); }
  uint64_t prefix_hash() const { return window_prefix_hash(); }
};

template <size_t N>
class FixedText : public TextBuffer {
 public:
  FixedText() : TextBuffer(storage_, N) {}
  explicit FixedText(std::string_view s) : TextBuffer(storage_, N) { append(s); }
  FixedText(const FixedText& other) : TextBuffer(storage_, N) { append(other.view()); }
  FixedText& operator=(const FixedText& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  FixedText& operator=(std::string_view s) { assign(s); return *this; }
  friend bool operator==(const FixedText& a, std::string_view b) { return a.view() == b; }

 private:
  char storage_[N + 1];
};

// A short text a probe keeps while it runs, in 8 bytes of bookkeeping where a
// FixedText takes 32 (its window and C-string support): the characters, their count
// and whether more were offered than fit. Appending past the end keeps what fits, as
// TextBuffer does; no terminating NUL (read it through view()).
class CompactText {
 public:
  CompactText(const CompactText&) = delete;
  CompactText& operator=(const CompactText&) = delete;

  void clear() {
    len_ = 0;
    overflowed_ = false;
  }
  void append(std::string_view s);
  void append(char c) {
    if (len_ < cap_) data_[len_++] = c;
    else overflowed_ = true;
  }
  void assign(std::string_view s) {
    clear();
    append(s);
  }
  void truncate(size_t n) {
    if (n < len_) len_ = static_cast<uint16_t>(n);
  }
  // The text offered was `n` characters long (its trailing blanks dropped): keeps
  // its first n, and overflowed() only when n did not fit.
  void fit(size_t n) {
    truncate(n);
    overflowed_ = n > cap_;
  }
  std::string_view view() const { return {data_, len_}; }
  size_t size() const { return len_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return len_ == 0; }
  bool overflowed() const { return overflowed_; }

 protected:
  CompactText(char* data, uint16_t cap) : data_(data), cap_(cap) {}
  ~CompactText() = default;

 private:
  char* data_;
  uint16_t cap_;
  uint16_t len_ = 0;
  bool overflowed_ = false;
};

template <size_t N>
class SmallText : public CompactText {
  static_assert(N <= UINT16_MAX, "a CompactText counts its characters in 16 bits");

 public:
  SmallText() : CompactText(storage_, N) {}
  SmallText(const SmallText& other) : CompactText(storage_, N) { append(other.view()); }
  SmallText& operator=(const SmallText& other) {
    if (this != &other) assign(other.view());
    return *this;
  }

 private:
  char storage_[N];
};

}  // namespace probebox
