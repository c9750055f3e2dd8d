#include "alerts/snmp_agent.h"

#include <gtest/gtest.h>

namespace probebox {
namespace {

TEST(SnmpMib, StatesUseTheMibsNagiosOrder) {
  EXPECT_EQ(snmp_mib::state_code(Outcome::kOk), 0);
  EXPECT_EQ(snmp_mib::state_code(Outcome::kWarning), 1);
  EXPECT_EQ(snmp_mib::state_code(Outcome::kCritical), 2);
  EXPECT_EQ(snmp_mib::state_code(Outcome::kUnknown), 3);
}

TEST(SnmpMib, CertDaysLeftComeFromTheLastDetails) {
  CheckHealth h;
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTlsCert), -1) << "no result yet";
  h.has_result = true;
  h.last.details.assign(R"({"days_left":37,"not_after":"2027-01-01T00:00:00Z"})");
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTlsCert), 37);
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTcp), -1);
  h.last.details.assign(R"({"days_left":-4})");
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTlsCert), -4);
  h.last.details.assign(R"({"state":"refused"})");
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTlsCert), -1);
}

}  // namespace
}  // namespace probebox
