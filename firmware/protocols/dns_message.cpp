#include "protocols/dns_message.h"

#include "core/ascii.h"

namespace probebox::dns {
namespace {

constexpr size_t kHeader = 12;

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32(const uint8_t* p) { return static_cast<uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

constexpr const char* kCutShort = "answer cut short";
constexpr const char* kLoop = "answer has a name compression loop";

bool fail(const char*& problem, const char* why) {
  problem = why;
  return false;
}

Status refuse(DnsAnswer& out, StatusCode code, const char* why) {
  out.problem = why;
  return code;
}

bool same_name(std::string_view a, std::string_view b) {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return equals_ignore_case(a, b);
}

// Reads a (possibly compressed) name at `pos`. `next` is where the record continues
// (after the name's first pointer or its terminating zero). On failure `problem`
// says what was wrong with the name.
bool read_name(std::span<const uint8_t> msg, size_t pos, TextBuffer& out, size_t& next, const char*& problem) {
  out.clear();
  bool jumped = false;
  int jumps = 0;
  size_t total = 0;
  for (;;) {
    if (pos >= msg.size()) return fail(problem, kCutShort);
    uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return fail(problem, kCutShort);
      if (++jumps > kMaxPointerJumps) return fail(problem, kLoop);
      size_t target = static_cast<size_t>(len & 0x3F) << 8 | msg[pos + 1];
      if (!jumped) next = pos + 2;
      jumped = true;
      // Only backwards: a pointer to itself or forward can only build a loop.
      if (target >= pos) return fail(problem, kLoop);
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return fail(problem, "answer has an obsolete label type");
    if (len == 0) {
      if (!jumped) next = pos + 1;
      return true;
    }
    if (pos + 1 + len > msg.size()) return fail(problem, kCutShort);
    total += len + 1;
    // A loop through backward pointers repeats labels: it ends here or at the jump limit.
    if (total > 255) return fail(problem, jumps > 0 ? kLoop : "answer has a name longer than 255 bytes");
    if (!out.empty()) out.append('.');
    for (size_t i = 0; i < len; ++i) {
      char c = static_cast<char>(msg[pos + 1 + i]);
      out.append(c > 32 && c < 127 ? c : '?');
    }
    pos += 1 + len;
  }
}

}  // namespace

Result<size_t> build_query(std::span<uint8_t> out, uint16_t id, std::string_view name, uint16_t qtype) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameText) return Status(StatusCode::kInvalidArgument);
  size_t need = kHeader + name.size() + 2 + 4;
  if (out.size() < need) return Status(StatusCode::kResourceExhausted);
  uint8_t header[kHeader] = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t n = 0;
  for (uint8_t b : header) out[n++] = b;
  size_t label_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      size_t len = i - label_start;
      if (len == 0 || len > 63) return Status(StatusCode::kInvalidArgument);
      out[n++] = static_cast<uint8_t>(len);
      for (size_t k = label_start; k < i; ++k) out[n++] = static_cast<uint8_t>(name[k]);
      label_start = i + 1;
    }
  }
  out[n++] = 0;
  out[n++] = static_cast<uint8_t>(qtype >> 8);
  out[n++] = static_cast<uint8_t>(qtype);
  out[n++] = 0;
  out[n++] = 1;  // class IN
  return n;
}

Status parse_response(std::span<const uint8_t> msg, uint16_t expected_id, std::string_view expected_name,
                      uint16_t qtype, DnsAnswer& out) {
  out = DnsAnswer{};
  if (msg.size() < kHeader) return refuse(out, StatusCode::kDataLoss, kCutShort);
  const uint8_t* h = msg.data();
  if (rd16(h) != expected_id) return refuse(out, StatusCode::kInvalidArgument, "DNS answer id mismatch");
  if ((h[2] & 0x80) == 0) return refuse(out, StatusCode::kInvalidArgument, "a query came back, not an answer");
  out.truncated = (h[2] & 0x02) != 0;
  out.rcode = h[3] & 0x0F;
  uint16_t qd = rd16(h + 4), an = rd16(h + 6);
  if (qd != 1) {
    return qd == 0 && out.rcode != 0 ? Status()
                                     : refuse(out, StatusCode::kInvalidArgument, "answer to another question");
  }
  FixedText<kMaxNameText + 8> name;
  size_t pos = kHeader;
  size_t next = 0;
  if (!read_name(msg, pos, name, next, out.problem)) return StatusCode::kDataLoss;
  if (next + 4 > msg.size()) return refuse(out, StatusCode::kDataLoss, kCutShort);
  if (!same_name(name.view(), expected_name) || rd16(msg.data() + next) != qtype || rd16(msg.data() + next + 2) != 1) {
    return refuse(out, StatusCode::kInvalidArgument, "answer to another question");
  }
  pos = next + 4;
  if (out.truncated) return Status();  // the caller retries over TCP
  out.answer_count = an;
  bool have_ttl = false;
  for (uint16_t i = 0; i < an; ++i) {
    FixedText<kMaxNameText + 8> owner;
    if (!read_name(msg, pos, owner, next, out.problem)) return StatusCode::kDataLoss;
    if (next + 10 > msg.size()) return refuse(out, StatusCode::kDataLoss, kCutShort);
    const uint8_t* rr = msg.data() + next;
    uint16_t type = rd16(rr), klass = rd16(rr + 2);
    uint32_t ttl = rd32(rr + 4);
    uint16_t rdlength = rd16(rr + 8);
    size_t rdata = next + 10;
    if (rdata + rdlength > msg.size()) return refuse(out, StatusCode::kDataLoss, kCutShort);
    if (klass == 1 && type == kTypeCname && out.cname.empty()) {
      size_t unused;
      if (!read_name(msg, rdata, out.cname, unused, out.problem)) return StatusCode::kDataLoss;
    } else if (klass == 1 && type == qtype && (type == kTypeA || type == kTypeAaaa)) {
      size_t want = type == kTypeA ? 4 : 16;
      if (rdlength != want) return refuse(out, StatusCode::kDataLoss, "answer has an address of the wrong length");
      if (out.address_count < kMaxAddresses) {
        Address& a = out.addresses[out.address_count++];
        a.family = type == kTypeA ? 4 : 6;
        for (size_t k = 0; k < want; ++k) a.bytes[k] = msg[rdata + k];
      }
      if (!have_ttl || ttl < out.min_ttl) out.min_ttl = ttl;
      have_ttl = true;
    }
    pos = rdata + rdlength;
  }
  return Status();
}

const char* rcode_name(uint8_t rcode) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  static const char* const kOther[] = {"RCODE6", "RCODE7", "RCODE8", "RCODE9", "RCODE10",
                                       "RCODE11", "RCODE12", "RCODE13", "RCODE14", "RCODE15"};
  if (rcode < 6) return kNames[rcode];
  return rcode < 16 ? kOther[rcode - 6] : "RCODE?";
}

void format_address(const Address& a, TextBuffer& out) {
  if (a.family == 4) {
    out.appendf("%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
    return;
  }
  // RFC 5952: lower-case hex, the longest run (>= 2) of zero groups as "::".
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>(a.bytes[2 * i] << 8 | a.bytes[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out.append("::");
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out.append(':');
    out.appendf("%x", g[i]);
  }
}

}  // namespace probebox::dns
