// The config's JSON pull reader (config/json_pull.h) and the parser's document check
// over it: the grammar jsmn let through, the nesting bound, paths from the frames.
#include "config/json_pull.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/config_parser.h"

namespace probebox {
namespace {

using json::Syntax;

Syntax::Problem problem(std::string_view text) { return json::validate(text).problem; }

TEST(JsonPull, AcceptsRfc8259Values) {
  for (std::string_view ok : {"{}", "[]", " {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\\u00e9\\n\"]} ",
                              "\"s\"", "0", "-0.1E-2", "[[[]],{}]", "{\"\":{\"\":[]}}"}) {
    EXPECT_EQ(problem(ok), Syntax::Problem::kNone) << ok;
  }
}

TEST(JsonPull, RejectsWhatIsNotJsonWithItsPosition) {
  struct Case {
    std::string_view text;
    size_t at;
  };
  // jsmn took 0x10, "tru", 01 and 1. as primitives; they are not JSON.
  for (Case c : {Case{"{\"a\":0x10}", 5}, Case{"{\"a\":tru}", 5}, Case{"[01]", 1}, Case{"[1.]", 1},
                 Case{"{\"a\" 1}", 5}, Case{"{\"a\":1,}", 7}, Case{"[1,]", 3}, Case{"{1:2}", 1},
                 Case{"[\"a\\x\"]", 3}, Case{"[\"\\u12g4\"]", 2}, Case{"[\"open", 1}, Case{"[1", 2},
                 Case{"{\"a\":1]", 6}, Case{"", 0}}) {
    Syntax s = json::validate(c.text);
    EXPECT_EQ(s.problem, Syntax::Problem::kInvalid) << c.text;
    EXPECT_EQ(s.at, c.at) << c.text;
  }
  EXPECT_EQ(problem("{} {}"), Syntax::Problem::kTrailing);
  EXPECT_EQ(problem("[1] x"), Syntax::Problem::kTrailing);
}

TEST(JsonPull, NestingIsBounded) {
  std::string deep(json::kMaxDepth, '[');
  deep += std::string(json::kMaxDepth, ']');
  EXPECT_EQ(problem(deep), Syntax::Problem::kNone);
  std::string deeper = "[" + deep + "]";
  Syntax s = json::validate(deeper);
  EXPECT_EQ(s.problem, Syntax::Problem::kTooDeep);
  EXPECT_EQ(s.at, static_cast<size_t>(json::kMaxDepth));
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  // The object around is a level too: the 16th bracket (byte 20) is one too many.
  EXPECT_FALSE(parse_config("{\"x\":" + deeper + "}", *config, errors).ok());
  ASSERT_EQ(errors.count(), 1u);
  EXPECT_EQ(errors.at(0).message.view(), "JSON nested deeper than 16 levels (near byte 20)");
}

// The duplicate-key check is quadratic in an object's members: the document's
// values are bounded as jsmn's tokens were.
TEST(JsonPull, ValuesAreBounded) {
  std::string doc = "{";
  for (size_t i = 0; i + 1 < json::kMaxValues / 2; ++i) doc += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  EXPECT_EQ(problem(doc + "}"), Syntax::Problem::kNone);
  Syntax s = json::validate(doc + ",\"x\":0}");
  EXPECT_EQ(s.problem, Syntax::Problem::kTooMany);
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  EXPECT_FALSE(parse_config(doc + ",\"x\":0}", *config, errors).ok());
  ASSERT_EQ(errors.count(), 1u);
  EXPECT_EQ(errors.at(0).message.view(), "too many JSON values (more than 4096)");
}

TEST(JsonPull, ItemsWalkMembersAndElementsInPlace) {
  std::string_view text = R"({ "a" : [ 1 , {"b":"c\"d"} , [] ] , "e":{} })";
  json::Items top(text, 0);
  ASSERT_TRUE(top.next());
  EXPECT_EQ(top.key(), "a");
  json::Items arr(text, top.value_at());
  ASSERT_TRUE(arr.next());
  EXPECT_EQ(json::raw_at(text, arr.value_at()), "1");
  ASSERT_TRUE(arr.next());
  EXPECT_EQ(arr.index(), 1u);
  json::Items inner(text, arr.value_at());
  ASSERT_TRUE(inner.next());
  EXPECT_EQ(inner.key(), "b");
  EXPECT_EQ(json::raw_at(text, inner.value_at()), "c\\\"d");
  EXPECT_FALSE(inner.next());
  ASSERT_TRUE(arr.next());
  EXPECT_EQ(json::kind_at(text, arr.value_at()), json::Kind::kArray);
  EXPECT_FALSE(arr.next());
  ASSERT_TRUE(top.next());
  EXPECT_EQ(top.key(), "e");
  EXPECT_FALSE(top.next());
}

TEST(JsonPull, EveryMemberAtAnyDepthWithItsFrames) {
  std::string_view text = R"({"a":[{"b":1},[{"c":{"d":2}}]],"e":3})";
  std::string seen;
  json::for_each_member(text, 0, [&](const json::Items* frames, int depth, size_t key_at, size_t) {
    seen += std::string(json::raw_at(text, key_at)) + "@" + std::to_string(depth);
    if (depth > 1 && !frames[1].object()) seen += "[" + std::to_string(frames[1].index()) + "]";
    seen += " ";
  });
  EXPECT_EQ(seen, "a@1 b@3[0] c@4[1] d@5[1] e@1 ");
}

TEST(JsonPull, DuplicateKeysAnywhereAreNamedByPath) {
  auto config = std::make_unique<Config>();
  ConfigErrors errors;
  EXPECT_FALSE(parse_config(R"({"schema":1,"x":{"y":[{},{"k":1,"k":2}]},"schema":1})", *config, errors).ok());
  ASSERT_GE(errors.count(), 2u);
  EXPECT_EQ(errors.at(0).path.view(), "x.y[1].k");
  EXPECT_EQ(errors.at(0).message.view(), "duplicate key");
  EXPECT_EQ(errors.at(1).path.view(), "schema");
  EXPECT_EQ(errors.at(1).message.view(), "duplicate key");
}

}  // namespace
}  // namespace probebox
