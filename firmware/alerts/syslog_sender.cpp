#include "alerts/syslog_sender.h"

#include "alerts/syslog_message.h"
#include "config/config_parser.h"
#include "lwip/pbuf.h"

namespace probebox {

void SyslogSender::configure(const Config& config) {
  config_ = &config;
  enabled_ = !config.alerts.syslog_server.empty();
  if (!enabled_) return;
  port_ = config.alerts.syslog_port;  // split at load
  resolver_.start(config.text(config.alerts.syslog_host), nullptr, nullptr);
  if (pcb_ == nullptr) pcb_ = udp_new_ip_type(IPADDR_TYPE_V4);
}

std::string_view SyslogSender::group_of(std::string_view check_id) const {
  const CheckConfig* c = config_->find_check(check_id);
  return c == nullptr ? std::string_view("-") : group_name(c->group);
}

bool SyslogSender::send(std::string_view line) {
  if (pcb_ == nullptr || resolver_.state() != HostResolver::State::kResolved) {
    ++failed_;
    return false;
  }
  struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(line.size()), PBUF_RAM);
  if (p == nullptr) {
    ++failed_;
    return false;
  }
  pbuf_take(p, line.data(), static_cast<u16_t>(line.size()));
  err_t err = udp_sendto(pcb_, p, &resolver_.address(), port_);
  pbuf_free(p);
  if (err != ERR_OK) {
    ++failed_;
    return false;
  }
  ++sent_;
  return true;
}

void SyslogSender::step(const EventLog& log) {
  if (!enabled_) {
    next_sequence_ = log.total();
    return;
  }
  // Still resolving the server: hold events until it is known.
  if (resolver_.state() == HostResolver::State::kPending) return;
  missed_ += log.catch_up(next_sequence_);
  FixedText<480> line;
  for (int n = 0; n < kMaxPerStep && log.readable(next_sequence_); ++n, ++next_sequence_) {
    const Event& e = log.at_sequence(next_sequence_);
    line.clear();
    syslog::format_state_change(line, e, config_->text(config_->device_name), group_of(e.check_id.view()));
    send(line.view());
  }
}

void SyslogSender::send_config_change(int64_t wall_unix_us, uint32_t sequence, std::string_view source) {
  if (!enabled_) return;
  FixedText<240> line;
  syslog::format_config_change(line, wall_unix_us, config_->text(config_->device_name), sequence, source);
  send(line.view());
}

void SyslogSender::send_config_warnings(int64_t wall_unix_us, uint32_t sequence) {
  if (!enabled_) return;
  for (uint16_t i = 0; i < config_->warning_count && i < Config::kMaxWarnings; ++i) {
    FixedText<240> line;
    syslog::format_config_warning(line, wall_unix_us, config_->text(config_->device_name), sequence,
                                  config_->warning_path(i), config_->warning_message(i));
    send(line.view());
  }
}

}  // namespace probebox
