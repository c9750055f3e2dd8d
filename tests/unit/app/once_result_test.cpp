// App::write_once_result(): the --once result both boards print, and its exit code.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "app.h"
#include "config/config_parser.h"
#include "fake_clock.h"
#include "fake_entropy.h"
#include "web/status_document.h"

namespace probebox {
namespace {

// No wire: the document needs none.
class NoEthernet final : public hal::EthernetPort {
  hal::MacAddress DoMac() const override { return {2, 0, 0, 0, 0, 1}; }
  bool DoLinkUp() const override { return false; }
  bool DoTransmit(std::span<const uint8_t>) override { return true; }
  size_t DoReceive(std::span<uint8_t>) override { return 0; }
};

class OnceResult : public ::testing::Test {
 protected:
  hal::FakeClock clock_;
  hal::FakeEntropy entropy_;
  NoEthernet ethernet_;
  std::unique_ptr<App> app_ = std::make_unique<App>(BoardServices{clock_, entropy_, ethernet_});
};

TEST_F(OnceResult, TheStatusDocumentAndTheOverallOutcomeAsExitCode) {
  auto out = std::make_unique<FixedText<65536>>();
  const int code = app_->write_once_result(*out, clock_.now());
  auto expected = std::make_unique<FixedText<65536>>();
  write_status_document(*expected, app_->config(), app_->health(), DocumentKind::kOnce, clock_.now());
  EXPECT_EQ(out->view(), expected->view());
  EXPECT_FALSE(out->overflowed());
  EXPECT_EQ(code, static_cast<int>(document_overall(app_->health(), DocumentKind::kOnce)));
  EXPECT_NE(out->view().find("\"overall\""), std::string_view::npos);
}

// The board used to print a document cut at its buffer, with the exit code of the
// verdict the reader could not see.
TEST_F(OnceResult, ADocumentThatDoesNotFitIsUnknown) {
  FixedText<24> small;
  EXPECT_EQ(app_->write_once_result(small, clock_.now()), App::kExitUnknown);
  EXPECT_TRUE(small.overflowed());
  EXPECT_EQ(App::kExitUnknown, 3);
}

}  // namespace
}  // namespace probebox
