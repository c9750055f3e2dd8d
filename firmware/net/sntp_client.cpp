#include "net/sntp_client.h"

#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "net/frame_arrival.h"

namespace probebox::net {

void SntpClient::configure(std::span<const Server> servers, hal::MonoMicros now) {
  stop();
  count_ = 0;
  for (const Server& s : servers) {
    if (count_ == kMaxServers) break;
    servers_[count_++] = s;
  }
  current_ = 0;
  synced_ = false;
  offset_us_ = 0;
  last_sync_mono_ = 0;
  stratum_ = 0;
  next_poll_mono_ = now;  // at once
}

void SntpClient::stop() {
  if (pcb_ != nullptr) {
    udp_remove(pcb_);
    pcb_ = nullptr;
  }
  waiting_ = false;
}

void SntpClient::step(hal::Clock& clock, hal::MonoMicros now) {
  clock_ = &clock;
  if (count_ == 0) return;
  if (waiting_ && now - sent_mono_ > kReplyTimeoutMs * 1000) {
    waiting_ = false;
    give_up_on_server(now);
  }
  if (!waiting_ && now >= next_poll_mono_) send(clock, now);
}

hal::MonoMicros SntpClient::next_due() const {
  if (count_ == 0) return INT64_MAX;
  // step() gives up once strictly more than the timeout has passed.
  return waiting_ ? sent_mono_ + kReplyTimeoutMs * 1000 + 1 : next_poll_mono_;
}

void SntpClient::send(hal::Clock& clock, hal::MonoMicros now) {
  if (pcb_ == nullptr) {
    pcb_ = udp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb_ == nullptr) {  // no pcb free now: try again at the next poll
      next_poll_mono_ = now + kFastPollS * 1'000'000;
      return;
    }
    udp_recv(pcb_, on_datagram, this);
  }
  std::array<uint8_t, sntp::kPacketBytes> request{};
  hal::WallTime wall = clock.wall();
  // Unset clock: any value serves as the originate stamp the reply must echo.
  sent_transmit_ = sntp::from_unix_micros(wall.valid ? wall.unix_micros : now);
  sntp::build_request(request, sent_transmit_);
  pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(request.size()), PBUF_RAM);
  if (p == nullptr) {
    next_poll_mono_ = now + kFastPollS * 1'000'000;
    return;
  }
  pbuf_take(p, request.data(), static_cast<u16_t>(request.size()));
  const Server& s = servers_[current_];
  ip_addr_t to;
  ip_addr_set_ip4_u32(&to, lwip_htonl(s.ipv4));
  err_t err = udp_sendto(pcb_, p, &to, s.port);
  pbuf_free(p);
  sent_mono_ = now;
  waiting_ = err == ERR_OK;
  if (!waiting_) give_up_on_server(now);
}

void SntpClient::give_up_on_server(hal::MonoMicros now) {
  ++failures_;
  current_ = (current_ + 1) % count_;
  // Round the list at once; after a full round of failures, wait for the next poll.
  next_poll_mono_ = current_ == 0 ? now + kFastPollS * 1'000'000 : now;
}

void SntpClient::on_datagram(void* arg, udp_pcb*, pbuf* p, const ip_addr_t* addr, u16_t port) {
  auto* self = static_cast<SntpClient*>(arg);
  std::array<uint8_t, sntp::kPacketBytes + 64> bytes{};
  u16_t n = pbuf_copy_partial(p, bytes.data(), static_cast<u16_t>(bytes.size()), 0);
  pbuf_free(p);
  if (!self->waiting_ || self->clock_ == nullptr || self->count_ == 0) return;
  const Server& s = self->servers_[self->current_];
  // Only the server asked, from its port, echoing our stamp (sntp::parse_response).
  if (addr == nullptr || !IP_IS_V4(addr) || lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))) != s.ipv4 || port != s.port) {
    return;
  }
  sntp::SntpReply reply;
  if (!sntp::parse_response(std::span<const uint8_t>(bytes.data(), n), self->sent_transmit_, reply).ok()) return;
  // T4 is when the reply came, not when this pass got to it (net/frame_arrival.h).
  hal::MonoMicros t4_mono = reply_time(self->clock_->now());
  self->waiting_ = false;
  if (reply.kiss_of_death || reply.unsynchronised) {
    self->give_up_on_server(t4_mono);
    return;
  }
  self->accept(reply, t4_mono);
}

void SntpClient::accept(const sntp::SntpReply& reply, hal::MonoMicros t4_mono) {
  int64_t t2 = sntp::to_unix_micros(reply.receive);
  int64_t t3 = sntp::to_unix_micros(reply.transmit);
  int64_t rtt = (t4_mono - sent_mono_) - (t3 - t2);
  if (rtt < 0) rtt = 0;
  // The reply may have waited in the box since T4: the wall clock is read now, so
  // T4 on it is that much earlier, and a first setting is that much later than T4.
  const hal::MonoMicros waited = clock_->now() - t4_mono;
  hal::WallTime wall = clock_->wall();
  if (wall.valid) {
    int64_t t4 = wall.unix_micros - waited;
    int64_t t1 = t4 - (t4_mono - sent_mono_);
    offset_us_ = sntp::compute(t1, t2, t3, t4).offset_us;
    if (offset_us_ > kStepThresholdUs || offset_us_ < -kStepThresholdUs) clock_->set_wall(wall.unix_micros + offset_us_);
  } else {
    offset_us_ = 0;
    clock_->set_wall(t3 + rtt / 2 + waited);
  }
  stratum_ = reply.stratum;
  synced_ = true;
  last_sync_mono_ = t4_mono;
  ++answers_;
  next_poll_mono_ = t4_mono + kPollS * 1'000'000;
}

}  // namespace probebox::net
