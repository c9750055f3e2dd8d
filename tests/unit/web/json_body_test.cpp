#include "web/json_body.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(JsonBody, ReadsNamedStringMembers) {
  FixedText<65> current, next;
  FixedText<120> error;
  JsonStringField fields[] = {{"current", &current}, {"new", &next}};
  ASSERT_TRUE(read_string_fields(R"({"new":"p\u00e4ss \"q\"","current":"old"})", fields, error).ok()) << error.c_str();
  EXPECT_EQ(current.view(), "old");
  EXPECT_EQ(next.view(), "p\xc3\xa4ss \"q\"");
}

TEST(JsonBody, RefusesEverythingElse) {
  for (const char* bad : {"", "[]", "{", R"({"password":1})", R"({"password":"a","extra":"b"})",
                          R"({"password":"a","password":"b"})", R"({"password":{"x":"y"}})", R"({})",
                          R"({"password":"a"} trailing)"}) {
    FixedText<65> password;
    FixedText<120> error;
    JsonStringField fields[] = {{"password", &password}};
    EXPECT_FALSE(read_string_fields(bad, fields, error).ok()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace probebox
