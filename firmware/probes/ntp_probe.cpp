#include "probes/ntp_probe.h"

namespace probebox {
namespace {
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
}  // namespace

void NtpProbe::DoStart() {
  state_ = State::kResolving;
  ignored_ = nullptr;
  sent_count_ = 0;
  facts_.clear();
  resolve_then(env().config->text(check().host));
}

void NtpProbe::process(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (state_) {
    case State::kResolving:
      if (event != E::kResolved) {
        note_failure(FailReason::kResolve);
        fail(Outcome::kCritical, "cannot resolve the server");
        return;
      }
      mark(Phase::kResolve);
      state_ = State::kWaiting;
      arm_retry();
      send_request();
      return;
    case State::kWaiting:
      if (event == E::kRetry) {  // UDP may lose it: once more at half the timeout
        send_request();
      } else if (event == E::kDatagram) {
        on_reply();
      }
      return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void NtpProbe::send_request() {
  hal::WallTime wall = env().clock->wall();
  t1_mono_us_ = now();
  t1_us_ = wall.valid ? wall.unix_micros : 0;
  // Our transmit time is also the nonce the server must echo; with no wall clock the
  // monotonic time still makes it unique.
  sent_ = sntp::from_unix_micros(wall.valid ? wall.unix_micros : t1_mono_us_);
  uint8_t packet[sntp::kPacketBytes];
  sntp::build_request(packet, sent_);
  if (sent_count_ < sent_all_.size()) {
    sent_all_[sent_count_] = sent_;
    t1_all_us_[sent_count_] = t1_us_;
    t1_all_mono_us_[sent_count_] = t1_mono_us_;
    ++sent_count_;
  }
  switch (send_to(link_, check().port, packet)) {
    case net::UdpLink::Send::kNoPcb:
      note_failure(FailReason::kNoResources);
      fail(Outcome::kUnknown, "no UDP socket free (lwIP pool exhausted)");
      return;
    case net::UdpLink::Send::kNoBuffer:
      note_failure(FailReason::kNoResources, ERR_MEM);
      fail(Outcome::kUnknown, "no buffer for the request");
      return;
    case net::UdpLink::Send::kSent: return;
  }
}

void NtpProbe::on_reply() {
  // T4 is when the reply came (its frame's arrival), on both clocks: the wall clock
  // read now, taken back by the time the reply waited in the box.
  const hal::MonoMicros now_mono = now();
  const int64_t t4_mono = net::reply_time(now_mono);
  hal::WallTime wall = env().clock->wall();
  wall.unix_micros -= now_mono - t4_mono;
  uint8_t packet[64];
  size_t n = link_.take(packet);
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
  ResultCore& r = out();
  mark(Phase::kFirstByte);
  std::string_view server = env().config->text(check().host);
  if (reply.kiss_of_death) {
    r.summary.appendf("%.*s kiss-o'-death %s", static_cast<int>(server.size()), server.data(), reply.kiss_code.data());
    NtpDetails& d = facts_.set();
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
  // The box's clock is set by its own SNTP client (net/sntp_client) from
  // network.ntp, never by a check: until then an offset cannot be measured.
  const bool clock_unset = !wall.valid;
  if (clock_unset) {
    offset = 0;
  } else {
    // T1 on the wall clock as it is now: the box's clock keeper may have stepped it
    // while the request was out, and the round trip is measured on the monotonic clock.
    offset = sntp::compute(wall.unix_micros - (t4_mono - t1_mono_us_), t2, t3, wall.unix_micros).offset_us;
  }
  r.measurements.has_ntp_offset = true;
  r.measurements.ntp_offset_us = offset;
  NtpDetails& d = facts_.set();
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
    if (clock_unset) outcome = Outcome::kUnknown;
    else if (abs64(offset) >= static_cast<int64_t>(t.ntp_crit_ms) * 1000) outcome = Outcome::kCritical;
    else if (abs64(offset) >= static_cast<int64_t>(t.ntp_warn_ms) * 1000) outcome = Outcome::kWarning;
    if (outcome != Outcome::kOk) note_failure(clock_unset ? FailReason::kNoClock : FailReason::kExpectation);
    r.summary.append(clock_unset ? "box clock not set yet, stratum " : "offset ");
    if (!clock_unset) {
      if (offset >= 0) r.summary.append('+');
      r.summary.append_fixed(static_cast<double>(offset) / 1000.0, 1);
      r.summary.append(" ms, stratum ");
    }
    r.summary.append_uint(reply.stratum);
  }
  finish(outcome);
}

void NtpProbe::fail(Outcome outcome, std::string_view why) {
  ResultCore& r = out();
  r.summary.assign(env().config->text(check().host));
  r.summary.append(": ");
  r.summary.append(why);
  facts_.set();
  finish(outcome);
}

void NtpProbe::DoDescribeTimeout() {
  ResultCore& r = out();
  if (ignored_ != nullptr) {
    r.summary.assign(env().config->text(check().host));
    r.summary.append(": ");
    r.summary.append(ignored_);
    r.summary.appendf(", no valid reply in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  } else {
    r.summary.assign("no reply from ");
    r.summary.append(env().config->text(check().host));
  }
  facts_.set();
}

void NtpProbe::DoRelease() {
  state_ = State::kDone;
  link_.close();
}

}  // namespace probebox
