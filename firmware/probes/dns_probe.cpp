#include "probes/dns_probe.h"

#include <cstring>

#include "lwip/pbuf.h"

namespace probebox {

void DnsProbe::DoStart() {
  udp_ = nullptr;
  tcp_ = nullptr;
  tcp_len_ = 0;
  retried_ = false;
  over_tcp_ = false;
  aborted_in_callback_ = false;
  ignored_ = nullptr;
  retry_at_ = started_at() + static_cast<int64_t>(check().tune.timeout_ms) * 500;
  id_ = static_cast<uint16_t>(LWIP_RAND());
  auto built = dns::build_query({query_ + 2, kMaxQuery}, id_, env().config->text(check().name), check().qtype);
  if (!built.ok()) {
    fail(Outcome::kUnknown, "name cannot be queried");
    return;
  }
  query_len_ = *built;
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: send_udp(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); fail(Outcome::kCritical, "cannot resolve the resolver's name"); break;
  }
}

void DnsProbe::on_resolved(void* self) {
  auto* probe = static_cast<DnsProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->send_udp();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->fail(Outcome::kCritical, "cannot resolve the resolver's name");
  }
}

void DnsProbe::send_udp() {
  mark(Phase::kResolve);
  if (udp_ == nullptr) {
    udp_ = udp_new_ip_type(IPADDR_TYPE_V4);
    if (udp_ == nullptr) {
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, "no UDP socket free (lwIP pool exhausted)");
      return;
    }
    udp_recv(udp_, on_udp, this);
  }
  struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(query_len_), PBUF_RAM);
  if (p == nullptr) {
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, "no buffer for the query");
    return;
  }
  pbuf_take(p, query_ + 2, static_cast<u16_t>(query_len_));
  udp_sendto(udp_, p, &resolver_.address(), check().port);
  pbuf_free(p);
}

void DnsProbe::DoPoll(hal::MonoMicros now_us) {
  if (!retried_ && !over_tcp_ && udp_ != nullptr && now_us >= retry_at_) {
    retried_ = true;
    send_udp();
  }
}

void DnsProbe::on_udp(void* arg, struct udp_pcb*, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
  auto* probe = static_cast<DnsProbe*>(arg);
  // Only the resolver we asked may answer (RFC 5452): anyone else is not even a suspect.
  if (probe == nullptr || probe->finished() || probe->over_tcp_ || addr == nullptr ||
      !ip_addr_cmp(addr, &probe->resolver_.address()) || port != probe->check().port) {
    pbuf_free(p);
    return;
  }
  uint8_t buf[1232];  // larger UDP answers are cut: the parser then reports truncation
  u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
  pbuf_free(p);
  probe->handle({buf, n});
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
  if (answer.truncated && !over_tcp_) {
    start_tcp();
    return;
  }
  conclude(answer);
}

void DnsProbe::start_tcp() {
  over_tcp_ = true;
  tcp_ = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (tcp_ == nullptr) {
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, "no TCP connection free (lwIP pool exhausted)");
    return;
  }
  tcp_arg(tcp_, this);
  tcp_err(tcp_, on_tcp_error);
  tcp_recv(tcp_, on_tcp_recv);
  if (tcp_connect(tcp_, &resolver_.address(), check().port, on_tcp_connected) != ERR_OK) {
    note_failure(FailReason::kUnreachable);
    fail(Outcome::kCritical, "truncated answer and no TCP route to the resolver");
  }
}

err_t DnsProbe::on_tcp_connected(void* arg, struct tcp_pcb* pcb, err_t) {
  auto* probe = static_cast<DnsProbe*>(arg);
  if (probe == nullptr || probe->finished()) return ERR_OK;
  probe->query_[0] = static_cast<uint8_t>(probe->query_len_ >> 8);
  probe->query_[1] = static_cast<uint8_t>(probe->query_len_);
  if (tcp_write(pcb, probe->query_, static_cast<u16_t>(probe->query_len_ + 2), TCP_WRITE_FLAG_COPY) != ERR_OK) {
    probe->note_failure(FailReason::kReset);
    probe->fail(Outcome::kCritical, "could not send the query over TCP");
  } else {
    tcp_output(pcb);
  }
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

err_t DnsProbe::on_tcp_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
  auto* probe = static_cast<DnsProbe*>(arg);
  if (probe == nullptr || probe->finished()) {
    if (p != nullptr) pbuf_free(p);
    return ERR_OK;
  }
  if (p == nullptr) {
    probe->note_failure(FailReason::kReset);
    probe->fail(Outcome::kCritical, "resolver closed the TCP connection early");
    return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  size_t room = sizeof(probe->tcp_buf_) - probe->tcp_len_;
  size_t n = p->tot_len < room ? p->tot_len : room;
  pbuf_copy_partial(p, probe->tcp_buf_ + probe->tcp_len_, static_cast<u16_t>(n), 0);
  probe->tcp_len_ += n;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  if (probe->tcp_len_ >= 2) {
    size_t want = static_cast<size_t>(probe->tcp_buf_[0]) << 8 | probe->tcp_buf_[1];
    if (want > kMaxTcpResponse) {
      probe->fail(Outcome::kCritical, "answer over TCP too large");
    } else if (probe->tcp_len_ >= want + 2) {
      probe->handle({probe->tcp_buf_ + 2, want});
      if (!probe->finished()) probe->fail(Outcome::kCritical, "answer over TCP does not match the query");
    }
  }
  return probe->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void DnsProbe::on_tcp_error(void* arg, err_t) {
  auto* probe = static_cast<DnsProbe*>(arg);
  if (probe == nullptr) return;
  probe->tcp_ = nullptr;  // freed by lwIP
  if (!probe->finished()) {
    probe->note_failure(FailReason::kReset);
    probe->fail(Outcome::kCritical, "TCP connection to the resolver failed");
  }
}

void DnsProbe::conclude(const dns::DnsAnswer& answer) {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ProbeResult& r = out();
  std::string_view name = cfg.text(c.name);
  int64_t elapsed = now() - started_at();
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

  DnsDetails& d = r.details.set_dns();
  d.rcode = dns::rcode_name(answer.rcode);
  d.address_count = answer.address_count;
  d.ttl = answer.min_ttl;
  for (uint8_t i = 0; i < answer.address_count; ++i) {
    text.clear();
    if (i > 0) text.append('\n');
    dns::format_address(answer.addresses[i], text);
    TextSpan added = r.details.add_text(text.view());
    if (i == 0) d.addresses = added;
    else d.addresses.len = static_cast<uint16_t>(d.addresses.len + added.len);
  }
  d.cname = r.details.add_text(answer.cname.view());
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

void DnsProbe::fail(Outcome outcome, std::string_view why) {
  ProbeResult& r = out();
  note_failure(outcome == Outcome::kUnknown ? FailReason::kNoResources : FailReason::kProtocol);
  r.summary.assign(env().config->text(check().name));
  r.summary.append(": ");
  r.summary.append(why);
  r.details.set_dns();
  finish(outcome);
}

void DnsProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  r.summary.assign(env().config->text(check().name));
  if (ignored_ != nullptr) {
    r.summary.append(": ");
    r.summary.append(ignored_);
    r.summary.appendf(", no valid answer in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  } else {
    r.summary.append(": no answer from ");
    r.summary.append(env().config->text(check().host));
  }
  r.details.set_dns();
}

void DnsProbe::release_tcp() {
  if (tcp_ == nullptr) return;
  tcp_arg(tcp_, nullptr);
  tcp_err(tcp_, nullptr);
  tcp_recv(tcp_, nullptr);
  tcp_setprio(tcp_, TCP_PRIO_MIN);
  if (tcp_close(tcp_) != ERR_OK) {
    tcp_abort(tcp_);
    aborted_in_callback_ = true;
  }
  tcp_ = nullptr;
}

void DnsProbe::DoRelease() {
  resolver_.cancel();
  if (udp_ != nullptr) {
    udp_recv(udp_, nullptr, nullptr);
    udp_remove(udp_);
    udp_ = nullptr;
  }
  release_tcp();
}

}  // namespace probebox
