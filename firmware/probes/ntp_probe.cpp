#include "probes/ntp_probe.h"

#include "lwip/pbuf.h"

namespace probebox {
namespace {
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
}  // namespace

void NtpProbe::DoStart() {
  pcb_ = nullptr;
  retried_ = false;
  ignored_ = nullptr;
  sent_count_ = 0;
  retry_at_ = started_at() + static_cast<int64_t>(check().tune.timeout_ms) * 500;
  switch (resolver_.start(env().config->text(check().host), this, on_resolved)) {
    case HostResolver::State::kResolved: send_request(); break;
    case HostResolver::State::kPending: break;
    default: note_failure(FailReason::kResolve); fail(Outcome::kCritical, "cannot resolve the server"); break;
  }
}

void NtpProbe::on_resolved(void* self) {
  auto* probe = static_cast<NtpProbe*>(self);
  if (probe->finished()) return;
  if (probe->resolver_.state() == HostResolver::State::kResolved) {
    probe->send_request();
  } else {
    probe->note_failure(FailReason::kResolve);
    probe->fail(Outcome::kCritical, "cannot resolve the server");
  }
}

void NtpProbe::send_request() {
  mark(Phase::kResolve);
  if (pcb_ == nullptr) {
    pcb_ = udp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb_ == nullptr) {
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, "no UDP socket free (lwIP pool exhausted)");
      return;
    }
    udp_recv(pcb_, on_recv, this);
  }
  hal::WallTime wall = env().clock->wall();
  t1_mono_us_ = now();
  t1_us_ = wall.valid ? wall.unix_micros : 0;
  // Our transmit time is also the nonce the server must echo; with no wall clock the
  // monotonic time still makes it unique.
  sent_ = sntp::from_unix_micros(wall.valid ? wall.unix_micros : t1_mono_us_);
  uint8_t packet[sntp::kPacketBytes];
  sntp::build_request(packet, sent_);
  struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, sizeof(packet), PBUF_RAM);
  if (p == nullptr) {
    note_failure(FailReason::kNoResources, ERR_MEM);
    fail(Outcome::kUnknown, "no buffer for the request");
    return;
  }
  pbuf_take(p, packet, sizeof(packet));
  if (sent_count_ < sent_all_.size()) {
    sent_all_[sent_count_] = sent_;
    t1_all_us_[sent_count_] = t1_us_;
    t1_all_mono_us_[sent_count_] = t1_mono_us_;
    ++sent_count_;
  }
  udp_sendto(pcb_, p, &resolver_.address(), check().port);
  pbuf_free(p);
}

void NtpProbe::DoPoll(hal::MonoMicros now_us) {
  if (!retried_ && pcb_ != nullptr && now_us >= retry_at_) {
    retried_ = true;
    send_request();
  }
}

void NtpProbe::on_recv(void* arg, struct udp_pcb*, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
  auto* probe = static_cast<NtpProbe*>(arg);
  // Only the server we asked may answer: a packet from anywhere else is not weighed.
  if (probe == nullptr || probe->finished() || addr == nullptr || !ip_addr_cmp(addr, &probe->resolver_.address()) ||
      port != probe->check().port) {
    pbuf_free(p);
    return;
  }
  probe->on_reply(p);
}

void NtpProbe::on_reply(struct pbuf* p) {
  int64_t t4_mono = now();
  hal::WallTime wall = env().clock->wall();
  uint8_t packet[64];
  u16_t n = pbuf_copy_partial(p, packet, sizeof(packet), 0);
  pbuf_free(p);
  sntp::SntpReply reply;
  size_t which = 0;
  Status s = sntp::parse_response({packet, n}, {sent_all_.data(), sent_count_}, reply, which);
  if (s.ok()) {
    t1_us_ = t1_all_us_[which];
    t1_mono_us_ = t1_all_mono_us_[which];
  }
  if (s.code() == StatusCode::kInvalidArgument) {  // not ours: keep waiting, remember why
    if (reply.problem[0] != '\0') ignored_ = reply.problem;
    return;
  }
  if (!s.ok()) {
    FixedText<64> why(reply.problem[0] != '\0' ? reply.problem : "malformed reply");
    if (n < sntp::kPacketBytes) why.appendf(" (%u bytes)", static_cast<unsigned>(n));
    note_failure(FailReason::kProtocol);
    fail(Outcome::kCritical, why.view());
    return;
  }
  const Tunables& t = check().tune;
  ProbeResult& r = out();
  mark(Phase::kFirstByte);
  std::string_view server = env().config->text(check().host);
  if (reply.kiss_of_death) {
    r.summary.appendf("%.*s kiss-o'-death %s", static_cast<int>(server.size()), server.data(), reply.kiss_code.data());
    NtpDetails& d = r.details.set_ntp();
    d.has_stratum = true;
    d.stratum = 0;
    d.kiss = true;
    for (size_t i = 0; i < 4; ++i) d.kiss_code[i] = reply.kiss_code[i];
    d.kiss_code[4] = '\0';
    note_failure(FailReason::kServerReply);
    finish(Outcome::kCritical);
    return;
  }
  int64_t t2 = sntp::to_unix_micros(reply.receive);
  int64_t t3 = sntp::to_unix_micros(reply.transmit);
  int64_t rtt = (t4_mono - t1_mono_us_) - (t3 - t2);
  if (rtt < 0) rtt = 0;
  int64_t offset;
  bool clock_was_set = false;
  if (!wall.valid) {
    // Unsynchronised box: take the server's time (a trustworthy one only).
    if (!reply.unsynchronised) {
      env().clock->set_wall(t3 + rtt / 2);
      clock_was_set = true;
    }
    offset = 0;
  } else {
    offset = sntp::compute(t1_us_, t2, t3, wall.unix_micros).offset_us;
  }
  r.measurements.has_ntp_offset = true;
  r.measurements.ntp_offset_us = offset;
  NtpDetails& d = r.details.set_ntp();
  d.measured = true;
  d.offset_us = offset;
  d.rtt_us = rtt;
  d.has_stratum = true;
  d.stratum = reply.stratum;
  Outcome outcome = Outcome::kOk;
  if (reply.unsynchronised) {
    outcome = Outcome::kCritical;
    r.summary.appendf("%.*s unsynchronised (stratum %u)", static_cast<int>(server.size()), server.data(),
                      reply.stratum);
    note_failure(FailReason::kServerReply);
  } else {
    if (abs64(offset) >= static_cast<int64_t>(t.ntp_crit_ms) * 1000) outcome = Outcome::kCritical;
    else if (abs64(offset) >= static_cast<int64_t>(t.ntp_warn_ms) * 1000) outcome = Outcome::kWarning;
    if (outcome != Outcome::kOk) note_failure(FailReason::kExpectation);
    r.summary.append(clock_was_set ? "box clock set, stratum " : "offset ");
    if (!clock_was_set) {
      if (offset >= 0) r.summary.append('+');
      r.summary.append_fixed(static_cast<double>(offset) / 1000.0, 1);
      r.summary.append(" ms, stratum ");
    }
    r.summary.append_uint(reply.stratum);
  }
  finish(outcome);
}

void NtpProbe::fail(Outcome outcome, std::string_view why) {
  ProbeResult& r = out();
  r.summary.assign(env().config->text(check().host));
  r.summary.append(": ");
  r.summary.append(why);
  r.details.set_ntp();
  finish(outcome);
}

void NtpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  if (ignored_ != nullptr) {
    r.summary.assign(env().config->text(check().host));
    r.summary.append(": ");
    r.summary.append(ignored_);
    r.summary.appendf(", no valid reply in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  } else {
    r.summary.assign("no reply from ");
    r.summary.append(env().config->text(check().host));
  }
  r.details.set_ntp();
}

void NtpProbe::DoRelease() {
  resolver_.cancel();
  if (pcb_ != nullptr) {
    udp_recv(pcb_, nullptr, nullptr);
    udp_remove(pcb_);
    pcb_ = nullptr;
  }
}

}  // namespace probebox
