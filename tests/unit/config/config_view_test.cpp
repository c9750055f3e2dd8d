#include "config/config_view.h"

#include <gtest/gtest.h>

#include "config/config_errors.h"

#include <memory>
#include <string>

namespace probebox {
namespace {

TEST(ConfigView, SecretsAreMaskedAndEverythingElseKept) {
  FixedText<512> out;
  ASSERT_TRUE(write_masked_config(R"({"schema":1, "checks":[{"id":"smtp","password": "s3cr\"et"}],
      "appliance":{"health_api_key":"k","smtp":{"password":"p"}},"note":"password"})",
                                  out)
                  .ok());
  EXPECT_EQ(out.view(), R"({"schema":1, "checks":[{"id":"smtp","password": "********"}],
      "appliance":{"health_api_key":"********","smtp":{"password":"********"}},"note":"password"})");
  EXPECT_EQ(out.view().find("s3cr"), std::string_view::npos);
}

}  // namespace
}  // namespace probebox

namespace probebox {
namespace {

TEST(ConfigView, PlaceholdersTakeTheStoredSecretsMatchedByCheckId) {
  std::string stored = R"({"checks":[{"id":"a","type":"smtp","password":"pa"},{"id":"b","type":"smtp","password":"pb"}],)"
                       R"("appliance":{"health_api_key":"k\"ey"}})";
  // Reordered checks, one new secret typed in, the rest left as the placeholder.
  std::string incoming = R"({"checks":[{"id":"b","type":"smtp","password":"********"},)"
                         R"({"id":"a","type":"smtp","password":"new"}],"appliance":{"health_api_key":"********"}})";
  FixedText<1024> out;
  ConfigErrors errors;
  ASSERT_TRUE(restore_secrets(incoming, stored, out, errors).ok());
  EXPECT_EQ(out.view(), R"({"checks":[{"id":"b","type":"smtp","password":"pb"},)"
                        R"({"id":"a","type":"smtp","password":"new"}],"appliance":{"health_api_key":"k\"ey"}})");
}

TEST(ConfigView, APlaceholderWithNothingStoredIsAnError) {
  FixedText<1024> out;
  ConfigErrors errors;
  EXPECT_FALSE(restore_secrets(R"({"checks":[{"id":"c","password":"********"}]})", R"({"checks":[]})", out, errors).ok());
  ASSERT_EQ(errors.count(), 1u);
  EXPECT_EQ(errors.at(0).path.view(), "checks[id=c].password");
}

}  // namespace
}  // namespace probebox

namespace probebox {
namespace {

// The stored document an attacker with a session starts from.
const std::string kStored =
    R"({"schema":1,"checks":[{"id":"smtp","type":"smtp","host":"10.0.2.2","port":2525,"username":"probe","password":"relay-pw"},)"
    R"({"id":"web","type":"http","url":"https://10.0.2.2:8443/x","username":"u","password":"web-pw","interval_s":30}],)"
    R"("appliance":{"name":"prod","load_balancer":"192.0.2.10","nodes":["192.0.2.11","192.0.2.12"],)"
    R"("smtp":{"host":"192.0.2.25","port":587,"username":"probe","password":"app-pw"},"health_api_key":"hk"}})";

struct Restored {
  Status status;
  ConfigErrors errors;
  FixedText<2048> out;
};

std::unique_ptr<Restored> restore(const std::string& incoming) {
  auto r = std::make_unique<Restored>();
  r->status = restore_secrets(incoming, kStored, r->out, r->errors);
  return r;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// GET /api/config, masked: what the UI sends back with its edits.
std::string masked() {
  FixedText<2048> out;
  EXPECT_TRUE(write_masked_config(kStored, out).ok());
  return std::string(out.view());
}

TEST(ConfigViewSecrets, AnUnchangedTargetKeepsEverySecret) {
  // Edits elsewhere, and another layout of the same values, keep the secrets.
  std::string incoming = replace(masked(), R"("interval_s":30)", R"("interval_s":60)");
  incoming = replace(incoming, R"("nodes":["192.0.2.11","192.0.2.12"])", "\"nodes\": [ \"192.0.2.11\",\n \"192.0.2.12\" ]");
  auto r = restore(incoming);
  ASSERT_TRUE(r->status.ok()) << (r->errors.count() ? r->errors.at(0).path.c_str() : "") << ": "
                              << (r->errors.count() ? r->errors.at(0).message.c_str() : "");
  EXPECT_NE(r->out.view().find("relay-pw"), std::string_view::npos);
  EXPECT_NE(r->out.view().find("web-pw"), std::string_view::npos);
  EXPECT_NE(r->out.view().find("app-pw"), std::string_view::npos);
  EXPECT_NE(r->out.view().find("\"hk\""), std::string_view::npos);
}

// The attack: point the check at a host of one's own, keep "********", and the box
// would AUTH there with the stored password.
TEST(ConfigViewSecrets, ASecretDoesNotFollowAChangedTarget) {
  struct Case {
    std::string from, to, path, message;
  };
  const Case cases[] = {
      {R"("host":"10.0.2.2","port":2525)", R"("host":"203.0.113.66","port":2525)", "checks[id=smtp].password",
       "password required: target changed"},
      {R"("port":2525)", R"("port":2526)", "checks[id=smtp].password", "password required: target changed"},
      {R"("host":"10.0.2.2","port":2525)", R"("host":"10.0.2.2")", "checks[id=smtp].password",
       "password required: target changed"},  // back to the default port 25
      {R"("type":"smtp")", R"("type":"tcp")", "checks[id=smtp].password", "password required: target changed"},
      {R"("url":"https://10.0.2.2:8443/x")", R"("url":"http://203.0.113.66/x")", "checks[id=web].password",
       "password required: target changed"},
      {R"("host":"192.0.2.25")", R"("host":"203.0.113.66")", "appliance.smtp.password",
       "password required: target changed"},
      {R"("port":587)", R"("port":25)", "appliance.smtp.password", "password required: target changed"},
      {R"("nodes":["192.0.2.11","192.0.2.12"])", R"("nodes":["192.0.2.11","203.0.113.66"])", "appliance.health_api_key",
       "health_api_key required: target changed"},
      {R"("load_balancer":"192.0.2.10")", R"("load_balancer":"203.0.113.66")", "appliance.health_api_key",
       "health_api_key required: target changed"},
  };
  for (const Case& c : cases) {
    auto r = restore(replace(masked(), c.from, c.to));
    EXPECT_FALSE(r->status.ok()) << c.to;
    bool found = false;
    for (size_t i = 0; i < r->errors.count(); ++i) {
      found |= r->errors.at(i).path.view() == c.path && r->errors.at(i).message.view() == c.message;
    }
    EXPECT_TRUE(found) << c.to << ": " << (r->errors.count() ? r->errors.at(0).path.c_str() : "no error");
  }
}

TEST(ConfigViewSecrets, SwappingIdsDoesNotSwapTargets) {
  // Two smtp checks; the attacker renames them so each placeholder meets the other's host.
  std::string stored = R"({"checks":[{"id":"a","type":"smtp","host":"10.0.2.2","password":"pa"},)"
                       R"({"id":"b","type":"smtp","host":"203.0.113.66","password":"pb"}]})";
  std::string incoming = R"({"checks":[{"id":"b","type":"smtp","host":"10.0.2.2","password":"********"},)"
                         R"({"id":"a","type":"smtp","host":"203.0.113.66","password":"********"}]})";
  FixedText<1024> out;
  ConfigErrors errors;
  EXPECT_FALSE(restore_secrets(incoming, stored, out, errors).ok());
  EXPECT_EQ(errors.count(), 2u);
}

TEST(ConfigViewSecrets, ANewTargetWithTheSecretTypedIsFine) {
  std::string incoming = replace(masked(), R"("host":"10.0.2.2","port":2525,"username":"probe","password":"********")",
                                 R"("host":"203.0.113.66","port":2525,"username":"probe","password":"typed")");
  auto r = restore(incoming);
  EXPECT_TRUE(r->status.ok());
  EXPECT_NE(r->out.view().find("\"typed\""), std::string_view::npos);
  EXPECT_NE(r->out.view().find("app-pw"), std::string_view::npos);
}

}  // namespace
}  // namespace probebox

namespace probebox {
namespace {

// PUT /api/config restores in the buffer the body arrived in: the same document,
// status and errors as the copying restore with an output of the buffer's size,
// whether the values are longer or shorter than the placeholder, and mixed.
TEST(ConfigView, RestoringInPlaceGivesWhatTheCopyGives) {
  const std::string stored =
      R"({"checks":[{"id":"a","type":"smtp","password":"p"},{"id":"b","type":"smtp","password":"a-much-longer-password-value"},)"
      R"({"id":"c","type":"smtp","password":"mid-size"}],"appliance":{"health_api_key":"k\"ey","smtp":{"password":""}}})";
  const std::string incomings[] = {
      R"({"checks":[{"id":"a","type":"smtp","password":"********"},{"id":"b","type":"smtp","password":"********"},)"
      R"({"id":"c","type":"smtp","password":"********"}],"appliance":{"health_api_key":"********","smtp":{"password":"********"}}})",
      R"({"checks":[{"id":"c","type":"smtp","password":"********"},{"id":"b","type":"smtp","password":"typed"},)"
      R"({"id":"a","type":"smtp","password":"********"}]})",
      R"({"checks":[{"id":"b","type":"smtp","password":"********"}],"appliance":{"smtp":{"password":"********"}}})",
      R"({"checks":[{"id":"z","type":"smtp","password":"********"}]})",   // nothing stored: an error
      R"({"checks":[{"id":"a","type":"smtp","host":"elsewhere","password":"********"}]})",  // target changed
      R"({"checks":[)",                                                    // not JSON: unchanged
      R"({"schema":1})",                                                   // no placeholder
  };
  for (const std::string& incoming : incomings) {
    for (size_t room_size : {incoming.size(), incoming.size() + 10, incoming.size() + 60, size_t{1024}}) {
      FixedText<2048> copy_out;
      ConfigErrors copy_errors;
      // The copy's capacity is the room's: both run out at the same size.
      char copy_storage[2048 + 1];
      struct Out : TextBuffer {
        Out(char* d, size_t n) : TextBuffer(d, n) {}
      } copy(copy_storage, room_size);
      const Status want = restore_secrets(incoming, stored, copy, copy_errors);

      std::string room(room_size, '#');
      room.replace(0, incoming.size(), incoming);
      size_t length = incoming.size();
      ConfigErrors errors;
      const Status got = restore_secrets_in_place({room.data(), room.size()}, length, stored, errors);
      EXPECT_EQ(got, want) << incoming << " room " << room_size;
      ASSERT_EQ(errors.count(), copy_errors.count()) << incoming;
      for (size_t i = 0; i < errors.count(); ++i) {
        EXPECT_EQ(errors.at(i).path.view(), copy_errors.at(i).path.view());
        EXPECT_EQ(errors.at(i).message.view(), copy_errors.at(i).message.view());
      }
      if (want.ok()) {
        EXPECT_EQ(std::string_view(room.data(), length), copy.view()) << incoming << " room " << room_size;
      } else {
        EXPECT_EQ(std::string_view(room.data(), length), incoming) << "a refused document stays as it came";
      }
    }
  }
}

}  // namespace
}  // namespace probebox
