// The window mode the web server streams documents with: a slice at any offset
// equals the same bytes of the whole document, the length is known without
// keeping the bytes, and the prefix hash tells a changed document apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/json_writer.h"
#include "core/text.h"
#include "slice_stream.h"

namespace probebox {
namespace {

using Window = SliceText;

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
  EXPECT_NE(w1.prefix_hash(), w2.prefix_hash());
}

// A document in parts, as the web server's writers make them: a head, then one
// part per entry (counted in `rendered`), then a tail.
void parted(TextBuffer& out, int entries, int changed_entry, int* rendered) {
  JsonWriter w(out);
  w.begin_object();
  w.field("head", "before any part");
  w.key("entries").begin_array();
  for (int i = 0; i < entries; ++i) {
    if (!w.next_part()) continue;
    if (rendered != nullptr) ++*rendered;
    w.begin_object().field_int("index", i).field("summary", i == changed_entry ? "changed!" : "all fine");
    w.end_object();
  }
  w.end_array();
  w.field("tail", "after every part");
  w.end_object();
}

struct Streamed {
  std::string joined;
  int rendered = 0;
  bool cut = false;
};
Streamed stream(size_t slice_bytes, int entries, int change_after_slice = -1) {
  FixedText<16384> whole;
  parted(whole, entries, -1, nullptr);
  Streamed out;
  testing::Streamed s = testing::stream_slices(slice_bytes, whole.size(), [&](TextBuffer& slice, int index) {
    parted(slice, entries, index > change_after_slice && change_after_slice >= 0 ? 0 : -1, &out.rendered);
  });
  out.joined = s.joined;
  out.cut = s.cut;
  if (!s.cut) EXPECT_EQ(out.joined, std::string(whole.view()));
  return out;
}

TEST(TextWindow, ResumedSlicesReassembleTheWholeDocumentAndRenderEachPartAboutOnce) {
  for (size_t slice : {7u, 40u, 97u, 512u, 2048u}) {
    Streamed s = stream(slice, 120);
    EXPECT_FALSE(s.cut) << slice;
    // Each entry is some 40 bytes: a slice renders the parts it holds and the one it
    // resumes in, not every part before it (which would be 120 x slices / 2).
    const int slices = static_cast<int>((s.joined.size() + slice - 1) / slice);
    EXPECT_LE(s.rendered, 120 + 2 * slices) << slice;
  }
}

TEST(TextWindow, AResumedSliceOfAChangedPartIsTold) {
  // Entry 0 changes after the second slice; with 30-byte slices its part is still
  // the one the third slice resumes in: the hash from its start differs.
  EXPECT_TRUE(stream(30, 40, 1).cut);
}

TEST(TextWindow, PartsOutsideAWindowAreAlwaysWritten) {
  FixedText<4096> plain;
  int rendered = 0;
  parted(plain, 10, -1, &rendered);
  EXPECT_EQ(rendered, 10);
  // A window that does not stop (a measure, the board's --once slices) writes them all.
  char none[1];
  SliceText measure(none, 0, static_cast<size_t>(-1));
  rendered = 0;
  parted(measure, 10, -1, &rendered);
  EXPECT_EQ(rendered, 10);
  EXPECT_EQ(measure.total(), plain.size());
}

}  // namespace
}  // namespace probebox
