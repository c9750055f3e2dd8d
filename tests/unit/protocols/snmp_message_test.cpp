#include "protocols/snmp_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace probebox::snmp_message {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

Bytes tlv(uint8_t tag, const Bytes& value) {
  Bytes out{tag};
  size_t n = value.size();
  if (n < 128) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes integer(uint8_t v) { return tlv(0x02, {v}); }
Bytes octets(size_t n, uint8_t fill = 'A') { return tlv(0x04, Bytes(n, fill)); }

struct Usm {
  size_t engine = 11, user = 7, auth = 12, priv = 8;
};

// An SNMPv3 GetRequest shaped as net-snmp sends it, with chosen USM field lengths.
Bytes v3_message(const Usm& u) {
  Bytes usm = tlv(0x30, cat({octets(u.engine, 0x80), integer(1), integer(9), octets(u.user, 'n'), octets(u.auth, 0xAA),
                              octets(u.priv, 0xBB)}));
  Bytes pdu = tlv(0xA0, cat({integer(1), integer(0), integer(0)}));
  Bytes scoped = tlv(0x30, cat({octets(11, 0x80), octets(0), pdu}));
  return tlv(0x30, cat({integer(3), tlv(0x30, cat({integer(7), tlv(0x02, {0x00, 0xff, 0xe3}), tlv(0x04, {0x07}), integer(3)})),
                        tlv(0x04, usm), scoped}));
}

Verdict check_all(const Bytes& b) {
  size_t window = b.size() < kHeaderWindowBytes ? b.size() : kHeaderWindowBytes;
  return check({b.data(), window}, b.size());
}

TEST(SnmpMessage, RealClientMessagesPass) {
  // net-snmp 5.9.3's engine discovery (snmpget -v3 -l authPriv) and a v2c GetRequest.
  EXPECT_EQ(check_all(from_hex("303e0201033011020464aef4b8020300ffe30401040201030410300e0400020100020100040004000400"
                               "301404000400a00e02045603a2fd0201000201003000")),
            Verdict::kPass);
  EXPECT_EQ(check_all(from_hex("302a02010104077261636b2d6234a01c02042793ec17020100020100300e300c06082b0601020101050005"
                               "00")),
            Verdict::kPass);
  EXPECT_EQ(check_all(v3_message({})), Verdict::kPass);
  EXPECT_EQ(check_all(v3_message({32, 32, 12, 8})), Verdict::kPass) << "every field at lwIP's limit";
}

TEST(SnmpMessage, AnOversizedUsmFieldIsRejected) {
  // The field lwIP copies unbounded: 13 octets and far more.
  EXPECT_EQ(check_all(v3_message({.auth = 13})), Verdict::kReject);
  EXPECT_EQ(check_all(v3_message({.auth = 1000})), Verdict::kReject);
  EXPECT_EQ(check_all(v3_message({.engine = 33})), Verdict::kReject);
  EXPECT_EQ(check_all(v3_message({.user = 33})), Verdict::kReject);
  EXPECT_EQ(check_all(v3_message({.priv = 9})), Verdict::kReject);
}

TEST(SnmpMessage, MalformedOrTruncatedMessagesAreRejected) {
  Bytes good = v3_message({});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    Bytes part(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(check({part.data(), part.size()}, part.size()), Verdict::kReject) << "cut at " << cut;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(check_all(trailing), Verdict::kReject) << "bytes after the message";
  Bytes wrong_tag = good;
  wrong_tag[0] = 0x31;
  EXPECT_EQ(check_all(wrong_tag), Verdict::kReject);
  EXPECT_EQ(check({}, 0), Verdict::kReject);
}

TEST(SnmpMessage, EveryByteFlipStaysInsideTheWindow) {
  // Any single corrupted byte gives a verdict without reading past the window (ASan).
  Bytes good = v3_message({32, 32, 12, 8});
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0x81}, uint8_t{0x82}, uint8_t{0xff}}) {
      Bytes b = good;
      b[i] = v;
      (void)check_all(b);
    }
  }
}

}  // namespace
}  // namespace probebox::snmp_message
