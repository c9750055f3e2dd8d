#include "protocols/tls_legacy_hello.h"

namespace probebox::tls_legacy {
namespace {

constexpr uint8_t kHandshake = 22;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kClientHello = 1;
constexpr uint8_t kServerHello = 2;

// CBC suites of the TLS 1.0/1.1 era, ECDHE first: what a server that still
// speaks those versions will pick one of.
constexpr uint16_t kSuites[] = {0xC013, 0xC014, 0xC009, 0xC00A, 0x0033, 0x0039, 0x002F, 0x0035, 0x000A};

class Writer {
 public:
  explicit Writer(std::span<uint8_t> out) : out_(out) {}
  void u8(uint8_t v) {
    if (at_ < out_.size()) out_[at_] = v;
    ++at_;
  }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void bytes(std::span<const uint8_t> b) {
    for (uint8_t v : b) u8(v);
  }
  void text(std::string_view s) {
    for (char c : s) u8(static_cast<uint8_t>(c));
  }
  // A length field of `width` bytes, filled in by close(mark).
  size_t open(int width) {
    size_t mark = at_;
    for (int i = 0; i < width; ++i) u8(0);
    return mark;
  }
  void close(size_t mark, int width) {
    size_t length = at_ - mark - static_cast<size_t>(width);
    for (int i = 0; i < width; ++i) {
      size_t at = mark + static_cast<size_t>(i);
      if (at < out_.size()) out_[at] = static_cast<uint8_t>(length >> (8 * (width - 1 - i)));
    }
  }
  size_t size() const { return at_; }
  bool fits() const { return at_ <= out_.size(); }

 private:
  std::span<uint8_t> out_;
  size_t at_ = 0;
};

bool is_ip_literal(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == ':')) return false;
  }
  return true;
}

}  // namespace

Result<size_t> build_client_hello(std::span<uint8_t> out, uint16_t version, std::string_view server_name,
                                  std::span<const uint8_t, 32> random) {
  if (version != kTls10 && version != kTls11) return Status(StatusCode::kInvalidArgument);
  Writer w(out);
  w.u8(kHandshake);
  w.u16(kTls10);  // the record layer version old servers expect in a first flight
  size_t record = w.open(2);
  w.u8(kClientHello);
  size_t hello = w.open(3);
  w.u16(version);
  w.bytes(random);
  w.u8(0);  // no session id
  size_t suites = w.open(2);
  for (uint16_t s : kSuites) w.u16(s);
  w.u16(0x00FF);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  w.close(suites, 2);
  w.u8(1);
  w.u8(0);  // null compression only
  size_t extensions = w.open(2);
  if (!is_ip_literal(server_name)) {  // RFC 6066: no IP literals in SNI
    w.u16(0x0000);
    size_t ext = w.open(2);
    size_t list = w.open(2);
    w.u8(0);  // host_name
    size_t name = w.open(2);
    w.text(server_name);
    w.close(name, 2);
    w.close(list, 2);
    w.close(ext, 2);
  }
  w.u16(0x000A);  // supported groups: secp256r1, secp384r1
  size_t groups = w.open(2);
  size_t group_list = w.open(2);
  w.u16(0x0017);
  w.u16(0x0018);
  w.close(group_list, 2);
  w.close(groups, 2);
  w.u16(0x000B);  // EC point formats: uncompressed
  size_t formats = w.open(2);
  w.u8(1);
  w.u8(0);
  w.close(formats, 2);
  w.close(extensions, 2);
  w.close(hello, 3);
  w.close(record, 2);
  if (!w.fits()) return Status(StatusCode::kOutOfRange);
  return w.size();
}

Answer read_answer(std::span<const uint8_t> b, uint16_t offered) {
  Answer a;
  if (b.size() < 5) return a;
  uint8_t type = b[0];
  uint16_t record_version = static_cast<uint16_t>(b[1] << 8 | b[2]);
  size_t length = static_cast<size_t>(b[3] << 8 | b[4]);
  // SSL 3.0 to TLS 1.2 record versions; anything else is not a TLS server.
  if ((record_version >> 8) != 3 || record_version > 0x0303 || length == 0 || length > 16384 + 2048) {
    a.kind = Answer::Kind::kNotTls;
    return a;
  }
  if (type == kAlert) {
    if (b.size() < 7) return a;
    a.kind = Answer::Kind::kRefused;
    a.alert = b[6];
    return a;
  }
  if (type != kHandshake) {
    a.kind = Answer::Kind::kNotTls;
    return a;
  }
  if (b.size() < 5 + 6) return a;
  if (b[5] != kServerHello) {
    a.kind = Answer::Kind::kNotTls;
    return a;
  }
  a.server_version = static_cast<uint16_t>(b[9] << 8 | b[10]);
  a.kind = a.server_version == offered ? Answer::Kind::kAccepted : Answer::Kind::kDowngraded;
  return a;
}

const char* version_name(uint16_t version) {
  switch (version) {
    case 0x0300: return "SSL 3.0";
    case kTls10: return "1.0";
    case kTls11: return "1.1";
    case 0x0303: return "1.2";
    default: return "?";
  }
}

}  // namespace probebox::tls_legacy
