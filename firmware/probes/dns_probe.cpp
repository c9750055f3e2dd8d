#include "probes/dns_probe.h"

#include <cstring>

namespace probebox {
namespace {

struct TcpBuffer {
  uint8_t bytes[DnsTcpBuffers::kBytes];
  bool leased;
};
TcpBuffer g_tcp_buffers[DnsTcpBuffers::kCount];

}  // namespace

uint8_t* DnsTcpBuffers::lease() {
  for (TcpBuffer& b : g_tcp_buffers) {
    if (b.leased) continue;
    b.leased = true;
    return b.bytes;
  }
  return nullptr;
}

void DnsTcpBuffers::give_back(uint8_t* buffer) {
  for (TcpBuffer& b : g_tcp_buffers) {
    if (b.bytes == buffer) b.leased = false;
  }
}

int DnsTcpBuffers::in_use() {
  int n = 0;
  for (const TcpBuffer& b : g_tcp_buffers) n += b.leased ? 1 : 0;
  return n;
}

void DnsProbe::DoStart() {
  state_ = State::kResolving;
  tcp_len_ = 0;
  ignored_ = nullptr;
  facts_ = Facts::kNone;
  id_ = static_cast<uint16_t>(LWIP_RAND());
  uint8_t query[kMaxQuery + 2];
  if (build_query(query) == 0) {
    fail(Outcome::kUnknown, "name cannot be queried");
    return;
  }
  resolve_then(env().config->text(check().host));
}

void DnsProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (state_) {
    case State::kResolving:
      if (event == E::kResolved) {
        mark(Phase::kResolve);
        state_ = State::kUdp;
        arm_retry();
        send_udp();
      } else {
        note_failure(FailReason::kResolve);
        fail(Outcome::kCritical, "cannot resolve the resolver's name");
      }
      return;
    case State::kUdp:
      if (event == E::kRetry) {  // UDP may lose it: once more at half the timeout
        send_udp();
      } else if (event == E::kDatagram) {
        uint8_t buf[1232];  // larger UDP answers are cut: the parser then reports truncation
        handle({buf, udp_.take(buf)});
      }
      return;
    case State::kTcpWaitBuffer:
      if (event == E::kRetry) start_tcp();  // a datagram now is a late copy: the answer comes over TCP
      return;
    case State::kTcpConnecting:
    case State::kTcpAnswer:
      if (event == E::kConnected) {
        state_ = State::kTcpAnswer;
        uint8_t query[kMaxQuery + 2];
        size_t len = build_query(query);
        query[0] = static_cast<uint8_t>(len >> 8);
        query[1] = static_cast<uint8_t>(len);
        if (!tcp_.send({query, len + 2})) {
          if (tcp_.send_lacked_memory()) {
            note_failure(FailReason::kNoResources);
            fail(Outcome::kUnknown, net::TcpLink::send_shortage());
          } else {
            note_failure(FailReason::kReset);
            fail(Outcome::kCritical, "could not send the query over TCP");
          }
        }
      } else if (event == E::kReceived) {
        tcp_.read(on_bytes);
      } else if (event == E::kPeerClosed) {
        note_failure(FailReason::kReset);
        fail(Outcome::kCritical, "resolver closed the TCP connection early");
      } else if (event == E::kFailed) {
        note_failure(FailReason::kReset, tcp_.error());
        fail(Outcome::kCritical, "TCP connection to the resolver failed");
      }
      return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

size_t DnsProbe::build_query(uint8_t (&out)[kMaxQuery + 2]) const {
  auto built = dns::build_query({out + 2, kMaxQuery}, id_, env().config->text(check().name), check().qtype);
  return built.ok() ? *built : 0;
}

void DnsProbe::send_udp() {
  uint8_t query[kMaxQuery + 2];
  size_t len = build_query(query);
  switch (send_to(udp_, check().port, {query + 2, len})) {
    case net::UdpLink::Send::kNoPcb: fail(Outcome::kUnknown, "no UDP socket free (lwIP pool exhausted)"); return;
    case net::UdpLink::Send::kNoBuffer: fail(Outcome::kUnknown, "no buffer for the query"); return;
    case net::UdpLink::Send::kSent: return;
  }
}

void DnsProbe::handle(std::span<const uint8_t> response) {
  dns::DnsAnswer answer;
  Status s = dns::parse_response(response, id_, env().config->text(check().name), check().qtype, answer);
  if (s.code() == StatusCode::kInvalidArgument) {  // not the answer to our question: wait on
    ignored_ = answer.problem;
    return;
  }
  if (!s.ok()) {
    fail(Outcome::kCritical, answer.problem[0] != '\0' ? answer.problem : "malformed answer");
    return;
  }
  if (answer.truncated && state_ == State::kUdp) {
    start_tcp();
    return;
  }
  conclude(answer);
}

void DnsProbe::start_tcp() {
  tcp_buf_ = DnsTcpBuffers::lease();
  if (tcp_buf_ == nullptr) {
    // Another check is reading its answer over TCP: wait for the buffer, trying
    // again at each poll, until the deadline (DoFinishAtDeadline: `unknown`).
    state_ = State::kTcpWaitBuffer;
    arm_next();
    return;
  }
  state_ = State::kTcpConnecting;
  switch (const net::TcpLink::Open open = connect_to(tcp_, check().port)) {
    case net::TcpLink::Open::kNoPcb:
    case net::TcpLink::Open::kNoMemory:
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, net::TcpLink::shortage(open));
      return;
    case net::TcpLink::Open::kFailed:
      note_failure(FailReason::kUnreachable, tcp_.error());
      fail(Outcome::kCritical, "truncated answer and no TCP route to the resolver");
      return;
    case net::TcpLink::Open::kConnecting: return;
  }
}

void DnsProbe::take_tcp(std::span<const uint8_t> bytes) {
  if (tcp_buf_ == nullptr) return;
  size_t room = DnsTcpBuffers::kBytes - tcp_len_;
  size_t n = bytes.size() < room ? bytes.size() : room;
  std::memcpy(tcp_buf_ + tcp_len_, bytes.data(), n);
  tcp_len_ += n;
  if (tcp_len_ < 2) return;
  size_t want = static_cast<size_t>(tcp_buf_[0]) << 8 | tcp_buf_[1];
  if (want > kMaxTcpResponse) {
    fail(Outcome::kCritical, "answer over TCP too large");
  } else if (tcp_len_ >= want + 2) {
    handle({tcp_buf_ + 2, want});
    if (!finished()) fail(Outcome::kCritical, "answer over TCP does not match the query");
  }
}

void DnsProbe::conclude(const dns::DnsAnswer& answer) {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ResultCore& r = out();
  std::string_view name = cfg.text(c.name);
  int64_t elapsed = until_reply(started_at());
  r.measurements.dns_lookup_us = elapsed;
  mark(Phase::kFirstByte);

  size_t expected_found = 0, unexpected = 0;
  FixedText<48> text;
  for (uint8_t i = 0; i < answer.address_count; ++i) {
    text.clear();
    dns::format_address(answer.addresses[i], text);
    bool expected = false;
    for (uint16_t k = 0; k < c.expect_addresses.count; ++k) {
      expected |= cfg.text(cfg.list_item(c.expect_addresses, k)) == text.view();
    }
    if (expected) ++expected_found;
    else ++unexpected;
  }

  answer_ = answer;  // the details, written by DoDetails()
  facts_ = Facts::kAnswer;
  r.server_code = answer.rcode;

  Outcome outcome = Outcome::kOk;
  r.summary.assign(name);
  if (answer.rcode != 0) {
    outcome = Outcome::kCritical;
    note_failure(FailReason::kServerReply);
    r.summary.append(": ");
    r.summary.append(dns::rcode_name(answer.rcode));
  } else if (answer.address_count == 0) {
    outcome = Outcome::kCritical;
    r.summary.append(": empty answer");
    note_failure(FailReason::kExpectation);
  } else if (c.expect_addresses.count > 0 && expected_found == 0) {
    outcome = Outcome::kCritical;
    r.summary.append(" -> ");
    text.clear();
    dns::format_address(answer.addresses[0], text);
    r.summary.append(text.view());
    r.summary.append(", expected ");
    r.summary.append(cfg.text(cfg.list_item(c.expect_addresses, 0)));
    note_failure(FailReason::kExpectation);
  } else {
    r.summary.append(" -> ");
    text.clear();
    dns::format_address(answer.addresses[0], text);
    r.summary.append(text.view());
    if (answer.address_count > 1) r.summary.appendf(" (+%u)", answer.address_count - 1);
    if (c.expect_addresses.count > 0 && unexpected > 0) {
      outcome = Outcome::kWarning;
      r.summary.append(", unexpected addresses");
      note_failure(FailReason::kExpectation);
    } else if (elapsed > static_cast<int64_t>(c.tune.latency_warn_ms) * 1000) {
      outcome = Outcome::kWarning;
      r.summary.append(", slow");
      note_failure(FailReason::kSlow);
    }
  }
  finish(outcome);
}

void DnsProbe::DoDetails(ProbeDetails& details) const {
  if (facts_ == Facts::kNone) return;
  DnsDetails& d = details.set_dns();
  if (facts_ != Facts::kAnswer) return;
  const dns::DnsAnswer& answer = answer_;
  d.rcode = dns::rcode_name(answer.rcode);
  d.address_count = answer.address_count;
  d.ttl = answer.min_ttl;
  FixedText<48> text;
  for (uint8_t i = 0; i < answer.address_count; ++i) {
    text.clear();
    if (i > 0) text.append('\n');
    dns::format_address(answer.addresses[i], text);
    TextSpan added = details.add_text(text.view());
    if (i == 0) d.addresses = added;
    else d.addresses.len = static_cast<uint16_t>(d.addresses.len + added.len);
  }
  d.cname = details.add_text(answer.cname.view());
}

void DnsProbe::fail(Outcome outcome, std::string_view why) {
  ResultCore& r = out();
  note_failure(outcome == Outcome::kUnknown ? FailReason::kNoResources : FailReason::kProtocol);
  r.summary.assign(env().config->text(check().name));
  r.summary.append(": ");
  r.summary.append(why);
  facts_ = Facts::kEmpty;
  finish(outcome);
}

bool DnsProbe::DoFinishAtDeadline() {
  if (state_ != State::kTcpWaitBuffer) return false;
  // Not the resolver's fault: the box had no buffer for its answer in time.
  FixedText<100> why;
  why.appendf("truncated answer and no buffer free for it over TCP before the deadline (%d in use)",
              DnsTcpBuffers::kCount);
  fail(Outcome::kUnknown, why.view());
  return true;
}

void DnsProbe::DoDescribeTimeout() {
  ResultCore& r = out();
  r.summary.assign(env().config->text(check().name));
  if (ignored_ != nullptr) {
    r.summary.append(": ");
    r.summary.append(ignored_);
    r.summary.appendf(", no valid answer in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  } else {
    r.summary.append(": no answer from ");
    r.summary.append(env().config->text(check().host));
  }
  facts_ = Facts::kEmpty;
}

void DnsProbe::DoRelease() {
  state_ = State::kDone;
  udp_.close();
  tcp_.close();
  if (tcp_buf_ != nullptr) DnsTcpBuffers::give_back(tcp_buf_);
  tcp_buf_ = nullptr;
}

}  // namespace probebox
