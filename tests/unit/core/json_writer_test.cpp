#include "core/json_writer.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(JsonWriter, CommasNestingAndEscapes) {
  FixedText<256> out;
  JsonWriter w(out);
  w.begin_object().field("a", "x\"y\n").key("b").begin_array().integer(-3).number(1.25, 1).boolean(true).null()
      .end_array().key("c").begin_object().end_object().key("d").raw("{\"k\":1}").end_object();
  EXPECT_EQ(out.view(), R"({"a":"x\"y\n","b":[-3,1.3,true,null],"c":{},"d":{"k":1}})");
  EXPECT_FALSE(w.failed());
}

TEST(JsonWriter, ControlCharactersAreEscaped) {
  FixedText<32> out;
  JsonWriter(out).string(std::string_view("\x01\x7f", 2));
  EXPECT_EQ(out.view(), R"("\u0001\u007f")");
}

TEST(JsonWriter, OverflowIsReportedNotHidden) {
  FixedText<8> out;
  JsonWriter w(out);
  w.begin_object().field("long-key", "long value").end_object();
  EXPECT_TRUE(w.failed());
  EXPECT_EQ(out.size(), 8u);
}

TEST(TextBuffer, FixedPointAndIntegers) {
  FixedText<64> out;
  out.append_fixed(14.25, 1);
  out.append(' ');
  out.append_fixed(-0.04, 1);
  out.append(' ');
  out.append_int(INT64_MIN);
  EXPECT_EQ(out.view(), "14.3 -0.0 -9223372036854775808");
}

}  // namespace
}  // namespace probebox
