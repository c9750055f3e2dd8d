// Bounded text. TextBuffer is the capacity-erased base that APIs take; FixedText<N>
// owns the storage. Appending past the capacity truncates and sets overflowed(), so
// callers can report it instead of silently emitting a cut document.
#pragma once
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/fnv1a.h"

namespace probebox {

class TextBuffer {
 public:
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;

  void clear() { len_ = 0; overflowed_ = false; data_[0] = '\0'; }
  void append(std::string_view s);
  void append(char c);
  void append_int(int64_t v);
  void append_uint(uint64_t v) { append_uint(v, 1); }
  // At least `min_digits` digits, zeros in front, as printf's "%0*u": the panel and
  // the timestamps format with it rather than appendf, whose vsnprintf is most of a
  // panel redraw on the Cortex-M4 (newlib).
  void append_uint(uint64_t v, size_t min_digits);
  // Fixed-point with `decimals` digits after the point; no libc float printing,
  // which newlib-nano lacks.
  void append_fixed(double v, int decimals);
  void appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void assign(std::string_view s) { clear(); append(s); }

  const char* c_str() const { return data_; }
  std::string_view view() const { return {data_, len_}; }
  size_t size() const { return len_; }
  // Characters appended since clear(), counting those a window did not keep.
  size_t appended() const { return window_ != nullptr ? window_->total : len_; }
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
  // A writer of a streamed document calls this where each of its parts begins (a
  // check's entry, an event); false: write nothing of this part. Outside a window
  // it is always true. A window resumed at part k (SliceText::Resume) drops what
  // comes before part k, so a slice costs what it keeps rather than the whole
  // document up to it; one that may stop skips every part after it is full.
  bool next_part();

 protected:
  TextBuffer(char* data, size_t cap) : data_(data), cap_(cap) { data_[0] = '\0'; }
  ~TextBuffer() = default;

  // Window mode, for a document streamed in slices (web/http_server): the first
  // `skip` bytes appended are only counted and hashed (FNV-1a), the next ones are
  // kept up to the capacity, the rest only counted. Running out of room is then the
  // point, not an error: overflowed() stays false. The state lives in the window
  // (SliceText), so an ordinary buffer carries one pointer for it.
  struct Window {
    size_t skip = 0;
    size_t total = 0;
    uint64_t prefix_hash = kFnv1aBasis;
    uint32_t part = 0;          // parts begun (next_part() calls) in this render
    uint32_t resume_part = 0;   // counting begins where this part does...
    size_t resume_at = 0;       // ...at this offset of the document
    uint32_t checkpoint_part = 0;
    size_t checkpoint_at = 0;
    bool muted = false;         // before the resume part: bytes dropped, not counted
    bool stop_when_full = false;
    bool stopped = false;       // a part was skipped for a full window
  };
  void begin_window(Window& window) {
    clear();
    window_ = &window;
  }

 private:
  void window_append(std::string_view s);

  char* data_;
  size_t cap_;  // usable characters, excluding the terminating NUL
  size_t len_ = 0;
  Window* window_ = nullptr;
  bool overflowed_ = false;
};


// A window of a document that is rendered again for each slice (one streamed
// without a whole-document buffer): bytes before `skip` are only counted and
// hashed, the next `cap` kept in `data` (cap + 1 chars, for the NUL), the rest
// counted; total() is the document's length.
//
// Resumed (the web server's slices): rendering starts at a part the last slice
// named (checkpoint_part(), checkpoint_at()), the prefix hash covers only the bytes
// from there to `skip`, and with stop_when_full the render ends with the window,
// so total() is the length only when the window reached the document's end.
class SliceText : public TextBuffer {
 public:
  struct Resume {
    uint32_t part = 0;
    size_t at = 0;
    bool stop_when_full = false;
  };
  SliceText(char* data, size_t cap, size_t skip) : TextBuffer(data, cap) {
    window_.skip = skip;
    begin_window(window_);
  }
  SliceText(char* data, size_t cap, size_t skip, Resume resume) : SliceText(data, cap, skip) {
    window_.resume_part = resume.part;
    window_.resume_at = resume.at;
    window_.checkpoint_part = resume.part;
    window_.checkpoint_at = resume.at;
    window_.muted = resume.part > 0;
    window_.total = resume.part > 0 ? 0 : resume.at;
    window_.stop_when_full = resume.stop_when_full;
  }
  SliceText(const SliceText&) = delete;
  SliceText& operator=(const SliceText&) = delete;
  size_t total() const { return window_.total; }
  uint64_t prefix_hash() const { return window_.prefix_hash; }
  // The last part that began at or before the window's end, and where: a render of
  // the next slice may resume there.
  uint32_t checkpoint_part() const { return window_.checkpoint_part; }
  size_t checkpoint_at() const { return window_.checkpoint_at; }

 private:
  Window window_;
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
// FixedText takes 20 on the target (its window pointer and C-string support): the characters, their count
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
