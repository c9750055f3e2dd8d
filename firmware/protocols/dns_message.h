// DNS messages (RFC 1035): the query a probe sends and a parser for the response
// that survives any byte sequence: compression pointers are followed a bounded
// number of times, every read is bounds-checked, and a response is only accepted
// if it answers our question with our id.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr size_t kMaxAddresses = 16;
inline constexpr size_t kMaxNameText = 253;
inline constexpr int kMaxPointerJumps = 32;

struct Address {
  uint8_t family = 4;  // 4 or 6
  std::array<uint8_t, 16> bytes{};
};

struct DnsAnswer {
  uint8_t rcode = 0;
  bool truncated = false;
  uint16_t answer_count = 0;  // records in the answer section, of any type
  std::array<Address, kMaxAddresses> addresses{};
  uint8_t address_count = 0;
  uint32_t min_ttl = 0;  // over the address records returned
  FixedText<kMaxNameText> cname;  // the first CNAME target, if any
  // Why a response was refused or ignored, in words for the check's summary ("" when
  // it was accepted): a hostile or broken resolver must be named, not just timed out.
  const char* problem = "";
};

// A standard recursive query (RD=1) for `name`, class IN. Returns its length.
Result<size_t> build_query(std::span<uint8_t> out, uint16_t id, std::string_view name, uint16_t qtype);
// Parses a response to the query (id, name, qtype). kInvalidArgument: not an answer
// to our question; kDataLoss: malformed.
Status parse_response(std::span<const uint8_t> msg, uint16_t expected_id, std::string_view expected_name,
                      uint16_t qtype, DnsAnswer& out);
const char* rcode_name(uint8_t rcode);
void format_address(const Address& a, TextBuffer& out);

}  // namespace probebox::dns
