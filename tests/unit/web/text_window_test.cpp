// The window mode the web server streams documents with: a slice at any offset
// equals the same bytes of the whole document, the length is known without
// keeping the bytes, and the prefix hash tells a changed document apart.
#include <gtest/gtest.h>

#include <string>

#include "core/json_writer.h"
#include "core/text.h"

namespace probebox {
namespace {

struct Window : TextBuffer {
  Window(char* data, size_t cap, size_t skip) : TextBuffer(data, cap) { begin_window(skip); }
  size_t total() const { return window_total(); }
  uint64_t hash() const { return window_prefix_hash(); }
};

void document(TextBuffer& out, int variant) {
  JsonWriter w(out);
  w.begin_object();
  for (int i = 0; i < 40; ++i) {
    out.appendf("%s", "");
    w.key("check").begin_object().field_int("index", i).field("summary", "all fine here").end_object();
  }
  w.field_int("variant", variant);
  w.end_object();
}

TEST(TextWindow, SlicesReassembleTheWholeDocument) {
  FixedText<8192> whole;
  document(whole, 1);
  ASSERT_FALSE(whole.overflowed());
  char none[1];
  Window measure(none, 0, static_cast<size_t>(-1));
  document(measure, 1);
  EXPECT_EQ(measure.total(), whole.size());
  EXPECT_EQ(measure.size(), 0u);
  std::string joined;
  for (size_t at = 0; at < whole.size(); at += 97) {
    char slice[98];
    Window w(slice, 97, at);
    document(w, 1);
    EXPECT_FALSE(w.overflowed());
    joined.append(w.view());
  }
  EXPECT_EQ(joined, std::string(whole.view()));
  // The same prefix hashes the same; a document that changed before the cut does not.
  char a[8], b[8];
  Window w1(a, 7, whole.size() - 1), w2(b, 7, whole.size() - 1);  // the cut after the variant digit
  document(w1, 1);
  document(w2, 2);
  EXPECT_NE(w1.hash(), w2.hash());
}

}  // namespace
}  // namespace probebox
