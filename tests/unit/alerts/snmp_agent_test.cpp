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

TEST(SnmpMib, CertDaysLeftComeFromTheTypedResult) {
  CheckHealth h;
  EXPECT_EQ(snmp_mib::cert_days_left(h, CheckType::kTlsCert), -1) << "no result yet";
  ProbeResult last;
  TlsCertDetails& d = last.details.set_tls_cert();
  d.examined = true;
  d.dated = true;
  d.days_left = 37;
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTlsCert), 37);
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTcp), -1);
  last.details.set_tls_cert() = TlsCertDetails{.examined = true, .dated = true, .days_left = -4};
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTlsCert), -4);
  last.details.set_tls_cert().dated = false;  // the box clock was not set: nothing to count
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTlsCert), -1);
  last.details.set_tls_cert();  // the handshake failed: no certificate examined
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTlsCert), -1);
  last.details.set_tcp().state = PortState::kRefused;
  EXPECT_EQ(snmp_mib::cert_days_left(last.details.view(), CheckType::kTlsCert), -1);
}

}  // namespace
}  // namespace probebox
