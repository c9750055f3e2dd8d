#include "alerts/snmp_usm.h"

#include <gtest/gtest.h>

namespace probebox::snmp_usm {
namespace {

EngineId rfc3414_engine() {
  // RFC 3414 A.3: snmpEngineID '000000000000000000000002'H.
  EngineId e;
  e.length = 12;
  e.bytes[11] = 2;
  return e;
}

TEST(SnmpUsm, ShaKeyLocalizationMatchesRfc3414A32) {
  const Key want = {0x66, 0x95, 0xfe, 0xbc, 0x92, 0x88, 0xe3, 0x62, 0x82, 0x23,
                    0x5f, 0xc7, 0x15, 0x1f, 0x12, 0x84, 0x97, 0xb3, 0x8f, 0x3f};
  EXPECT_EQ(localize_key("maplesyrup", rfc3414_engine()), want);
}

TEST(SnmpUsm, TheLocalizerWorksInBoundedSlices) {
  KeyLocalizer k;
  ASSERT_TRUE(k.begin("maplesyrup", rfc3414_engine()));
  int steps = 0;
  while (!k.step(64 * 1024)) ++steps;
  EXPECT_EQ(steps, 15) << "1 MiB in 64 KiB slices: 16 steps";
  EXPECT_TRUE(k.done());
  EXPECT_EQ(k.key(), localize_key("maplesyrup", rfc3414_engine()));
  // A slice smaller than one SHA block makes no progress but does no harm.
  ASSERT_TRUE(k.begin("maplesyrup", rfc3414_engine()));
  EXPECT_FALSE(k.step(10));
  EXPECT_FALSE(k.done());
}

TEST(SnmpUsm, KeysDependOnPasswordAndEngine) {
  EngineId other = rfc3414_engine();
  other.bytes[11] = 3;
  EXPECT_NE(localize_key("maplesyrup", rfc3414_engine()), localize_key("maplesyrup", other));
  EXPECT_NE(localize_key("maplesyrup", rfc3414_engine()), localize_key("maplesyrupx", rfc3414_engine()));
}

TEST(SnmpUsm, EmptyOrOverlongPasswordsAreNotStarted) {
  KeyLocalizer k;
  EXPECT_FALSE(k.begin("", rfc3414_engine()));
  EXPECT_FALSE(k.begin(std::string(65, 'a'), rfc3414_engine()));
  EXPECT_FALSE(k.step(1 << 20));
  EXPECT_TRUE(k.begin(std::string(64, 'a'), rfc3414_engine()));
}

TEST(SnmpUsm, EngineIdIsRfc3411MacFormat) {
  EngineId e = engine_id_from_mac(99999, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
  const uint8_t want[] = {0x80, 0x01, 0x86, 0x9f, 0x03, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  ASSERT_EQ(e.length, sizeof(want));
  EXPECT_TRUE(std::equal(want, want + sizeof(want), e.view().begin()));
}

}  // namespace
}  // namespace probebox::snmp_usm
