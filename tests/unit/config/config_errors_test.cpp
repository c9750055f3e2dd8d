// ConfigErrors keeps its texts packed in one small store: what does not fit is
// counted, never cut in the middle of another error, and a NUL cannot split one.
#include "config/config_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace probebox {
namespace {

TEST(ConfigErrorsStore, KeepsEachErrorWholeAndCountsTheRest) {
  ConfigErrors errors;
  errors.add("checks[3].port", "must be an integer 1..65535");
  errors.add("", std::string_view("a\0b", 3));
  ASSERT_EQ(errors.count(), 2u);
  EXPECT_EQ(errors.at(0).path.view(), "checks[3].port");
  EXPECT_EQ(errors.at(0).message.view(), "must be an integer 1..65535");
  EXPECT_STREQ(errors.at(0).path.c_str(), "checks[3].port");
  EXPECT_EQ(errors.at(1).path.view(), "");
  EXPECT_EQ(errors.at(1).message.view(), "a?b");
  // Long texts are cut to their limits; once the store is full the rest are counted.
  std::string long_path(300, 'p'), long_message(300, 'm');
  while (errors.count() == errors.total()) errors.add(long_path, long_message);
  EXPECT_EQ(errors.at(2).path.size(), ConfigErrors::kMaxPath);
  EXPECT_EQ(errors.at(2).message.size(), ConfigErrors::kMaxMessage);
  size_t kept = errors.count();
  EXPECT_GE(kept, 5u);  // a store of worst-case errors still holds five
  errors.add(long_path, long_message);
  EXPECT_EQ(errors.count(), kept);
  EXPECT_EQ(errors.total(), kept + 2);
  FixedText<2048> out;
  errors.render(out);
  EXPECT_NE(out.view().find("checks[3].port: must be an integer 1..65535\n: a?b\n"), std::string_view::npos);
  EXPECT_NE(out.view().find("(and 2 more)\n"), std::string_view::npos);
  errors.clear();
  EXPECT_TRUE(errors.empty());
  errors.add("a", "b");
  EXPECT_EQ(errors.at(0).path.view(), "a");
}

TEST(ConfigErrorsStore, TwentyFourTypicalErrorsAreAllKept) {
  ConfigErrors errors;
  for (int i = 0; i < 30; ++i) {
    std::string path = "checks[" + std::to_string(i) + "].port";
    errors.add(path, "must be an integer 1..65535");
  }
  EXPECT_EQ(errors.count(), ConfigErrors::kMaxErrors);
  EXPECT_EQ(errors.total(), 30u);
  EXPECT_EQ(errors.at(23).path.view(), "checks[23].port");
}

// The running text read back after a rejected PUT goes through the rejected
// document's own error list (no second store in RAM): while set aside the list is
// an empty one that only counts, and the kept errors come back untouched.
TEST(ConfigErrorsStore, ErrorsSetAsideComeBackUntouched) {
  ConfigErrors errors;
  errors.add("checks[0].port", "must be an integer 1..65535");
  for (int i = 0; i < 30; ++i) errors.add("checks[1].id", "duplicate id");
  const size_t kept = errors.count(), total = errors.total();
  {
    ConfigErrors::Aside aside(errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(errors.count(), 0u);
    errors.clear();  // what parse_config() does first
    errors.add("x", "y");  // counted, not kept
    EXPECT_FALSE(errors.empty());
    EXPECT_EQ(errors.total(), 1u);
    EXPECT_EQ(errors.count(), 0u);
    errors.clear();
    EXPECT_TRUE(errors.empty());
  }
  EXPECT_EQ(errors.count(), kept);
  EXPECT_EQ(errors.total(), total);
  EXPECT_EQ(errors.at(0).path.view(), "checks[0].port");
  EXPECT_EQ(errors.at(0).message.view(), "must be an integer 1..65535");
  FixedText<2048> out;
  errors.render(out);
  EXPECT_EQ(out.view().find("x: y"), std::string_view::npos);
}

}  // namespace
}  // namespace probebox
