#include "net/lwip_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace probebox::net {
namespace {

TEST(LwipError, EveryLwipErrorHasItsOwnName) {
  std::set<std::string> names;
  for (int e = ERR_ARG; e <= ERR_OK; ++e) {
    const std::string name = lwip_error_name(static_cast<err_t>(e));
    EXPECT_FALSE(name.empty()) << e;
    EXPECT_NE(name, "unknown lwIP error") << e;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ERR_OK - ERR_ARG + 1));
  EXPECT_STREQ(lwip_error_name(ERR_RTE), "no route to the host");
  EXPECT_STREQ(lwip_error_name(ERR_ABRT), "connection aborted by the box's TCP stack");
}

TEST(LwipError, AnUnknownValueIsNamedAsSuch) {
  EXPECT_STREQ(lwip_error_name(static_cast<err_t>(-100)), "unknown lwIP error");
  EXPECT_STREQ(lwip_error_name(static_cast<err_t>(5)), "unknown lwIP error");
}

}  // namespace
}  // namespace probebox::net
