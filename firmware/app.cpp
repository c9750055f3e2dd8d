// The services' wiring: start-up (lwIP, the interface, SNMP, the web server, the
// config's services), the main-loop step, and what a config (re)starts. What the
// box keeps in flash is app_flash_records.cpp, what the web UI and the panel ask of
// it app_actions.cpp, the panel's inputs app_panel.cpp, the --once result app_once.cpp.
#include "app.h"

#include "core/wake_slack.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "monitor/cert_identity.h"
#include "monitor/lb_health.h"
#include "net/net_glue.h"
#include "net/platform_hooks.h"
#include "net/tls_memory.h"

namespace probebox {

void App::start(const Config& config, std::string_view config_text, RunMode mode, std::string_view boot_note) {
  started_at_ = board_.clock.now();
  api_.set_started_at(started_at_);
  api_.set_scheduler(&scheduler_);
  scheduler_.set_sessions(&sessions_);
  api_.set_actions(this);
  if (&config != &config_) config_ = config;  // else parsed in place (boot_config())
  // The boot config's errors were read (boot_errors()); the store is the rejected
  // PUT's from now on, and none has come.
  ApiHandler::config_errors().clear();
  // No admin password is stored yet: a random first-boot password, from the board's
  // entropy, in groups an operator can read off the LCD and type.
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  uint8_t random[12];
  initial_password_.clear();
  if (board_.entropy.fill(random)) {
    for (size_t i = 0; i < sizeof(random); ++i) {
      if (i > 0 && i % 4 == 0) initial_password_.append('-');
      initial_password_.append(kAlphabet[random[i] % (sizeof(kAlphabet) - 1)]);
    }
  }
  config_text_ = config_text;  // where it lies (start()'s comment): no copy
  mode_ = mode;
  net::bind_platform(board_.clock, board_.entropy);
  net::tls_memory_init();
  probebox_platform_log("probebox: public roots: %u from %s\n", static_cast<unsigned>(tls_.public_table().count),
                        tls_.public_table().source);
  lwip_init();
  load_credentials();

  net::AddressingConfig addressing;
  addressing.dhcp = config_.network.dhcp;
  if (!addressing.dhcp) {
    ip4_addr_set_u32(&addressing.address, lwip_htonl(config_.network.address));
    uint32_t mask = config_.network.prefix_length == 0 ? 0 : 0xFFFFFFFFu << (32 - config_.network.prefix_length);
    ip4_addr_set_u32(&addressing.netmask, lwip_htonl(mask));
    ip4_addr_set_u32(&addressing.gateway, lwip_htonl(config_.network.gateway));
  }
  static FixedText<32> hostname;
  hostname.assign(config_.device_name.empty() ? std::string_view("probebox") : config_.text(config_.device_name));
  netif_.start(board_.ethernet, addressing, hostname.c_str());
  snmp_.start(health_, board_.clock, next_engine_boots(), board_.ethernet.mac());
  activate_config();
  // What happened before the restart is shown again, but not alerted again.
  event_store_.load(health_.events_to_restore());
  events_persisted_ = health_.events().total();
  syslog_.skip_to(events_persisted_);
  mail_.skip_to(events_persisted_);
  snmp_.skip_to(events_persisted_);
  // After the skip: this one is news, for the log, the flash and the alerts.
  if (!boot_note.empty()) push_box_event(kConfigEventId, boot_note);
  web_ok_ = web_.start(kWebPort, api_, board_.clock);
}

void App::report_restart(std::string_view why) {
  if (!why.empty()) push_box_event(kRestartEventId, why);
}

void App::push_box_event(std::string_view id, std::string_view summary) {
  Event e;
  e.check_id.assign(id);
  e.first = true;
  e.to = Outcome::kWarning;
  e.mono_us = board_.clock.now();
  hal::WallTime wall = board_.clock.wall();
  e.wall_unix_us = wall.valid ? wall.unix_micros : 0;
  e.summary.assign(summary);
  health_.events_to_restore().push(e);
}

void App::activate_config() {
  // New anchors, checks and names: no session made under the old config is offered.
  sessions_.reset();
  if (!tls_.setup(config_.text(config_.trust_anchors_pem)).ok()) {
    probebox_platform_log("probebox: TLS set-up failed (trust anchors unreadable?)\n");
  }
  apply_resolvers();
  configure_clock(board_.clock.now());
  health_.load(config_, board_.clock);
  cross_.load(config_);
  syslog_.configure(config_);
  mail_.configure(config_, &tls_);
  snmp_.configure(config_);
}

void App::apply_resolvers() {
  // Only configured resolvers: never one a DHCP server offers (lwipopts disables that).
  for (uint8_t i = 0; i < DNS_MAX_SERVERS; ++i) {
    ip_addr_t addr = *IP_ADDR_ANY;
    if (i < config_.network.dns.count && i < config_.network.resolvers.size()) {
      const NetworkConfig::Resolver& r = config_.network.resolvers[i];  // parsed at load
      ip_addr_set_ip4_u32(&addr, lwip_htonl(r.ip));
      if (i == 0) net::set_dns_server_port(r.port);
    }
    dns_setserver(i, &addr);
  }
}

void App::on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) {
  if (!cross_.gated(check_index)) {
    health_.on_result(check_index, result, now);
    return;
  }
  health_.stage(check_index, result);
  if (cross_.arrive(check_index, now)) commit_cross_set(check_index, now);
}

void App::commit_cross_set(uint16_t check_index, hal::MonoMicros now) {
  // Every arrived member is judged against the others' results of this cycle, then counted.
  for (uint16_t j = 0; j < health_.check_count(); ++j) {
    if (cross_.same_set(check_index, j) && cross_.arrived(j)) {
      ResultCore core;
      health_.staged_core(j, core);
      const DetailsView details = health_.check(j).last.details();
      apply_cert_identity_rules(config_, health_, j, core, details);
      apply_lb_health_rules(config_, health_, j, core, details);
      const StoredResult& kept = health_.check(j).last;
      if (core.outcome != kept.outcome || core.reason != kept.reason || core.summary.view() != kept.summary()) {
        health_.restage(j, core);
      }
    }
  }
  for (uint16_t j = 0; j < health_.check_count(); ++j) {
    if (cross_.same_set(check_index, j) && cross_.arrived(j)) health_.commit(j, now);
  }
  cross_.clear_set(check_index);
}

bool App::clock_ready(hal::MonoMicros now) {
  // Date rules judged on a clock from network.ntp, not on a clock being set: the
  // first checks wait for the first SNTP answer, at most kClockWaitUs after the
  // address (a box whose time servers are down still checks, with dates unknown).
  constexpr int64_t kClockWaitUs = 3'000'000;
  if (addressed_at_us_ < 0) addressed_at_us_ = now;
  return sntp_.current_server() == nullptr || sntp_.synced() || now - addressed_at_us_ >= kClockWaitUs;
}

void App::configure_clock(hal::MonoMicros now) {
  // network.ntp's address entries, parsed at load (NetworkConfig::clock_servers).
  static_assert(NetworkConfig::kMaxClockServers <= net::SntpClient::kMaxServers, "every clock server fits");
  std::array<net::SntpClient::Server, net::SntpClient::kMaxServers> servers{};
  size_t n = 0;
  for (uint8_t i = 0; i < config_.network.clock_server_count; ++i) {
    servers[n++] = {config_.network.clock_servers[i].ip, config_.network.clock_servers[i].port};
  }
  sntp_.configure(std::span<const net::SntpClient::Server>(servers.data(), n), now);
}

void App::step() {
  using LoopPhase = LoopAnatomy::Phase;
  LoopPass pass(board_.clock.now());
  netif_.poll();
  pass.end_phase(LoopPhase::kNetwork, board_.clock.now());
  sys_check_timeouts();
  hal::MonoMicros now = board_.clock.now();
  pass.end_phase(LoopPhase::kTimers, now);
  if (!checks_started_ && netif_.has_address() && clock_ready(now)) {
    scheduler_.load(config_, board_.clock,
                    mode_ == RunMode::kOnce ? Scheduler::Mode::kOnce : Scheduler::Mode::kContinuous, &tls_);
    checks_started_ = true;
    checks_started_at_ = now;
  }
  if (checks_started_) {
    // A document on its way out is rendered again from this state, slice by slice:
    // results wait for it, briefly (monitor/result_hold.h).
    const bool reader = web_.streaming_document();
    const bool hold = result_hold_.hold(reader, reader && scheduler_.start_blocked(now), now);
    scheduler_.step(now, hold);
    uint16_t late = hold ? CrossCheckGate::kNone : cross_.overdue(now);
    if (late != CrossCheckGate::kNone) commit_cross_set(late, now);
  }
  pass.end_phase(LoopPhase::kChecks, board_.clock.now());
  if (netif_.has_address()) {
    sntp_.step(board_.clock, now);
    syslog_.step(health_.events());
    mail_.step(health_.events(), board_.clock);
    snmp_.step(health_.events());
  }
  pass.end_phase(LoopPhase::kServices, board_.clock.now());
  persist_events();
  pass.end_phase(LoopPhase::kEvents, board_.clock.now());
  step_https();
  pass.end_phase(LoopPhase::kHttps, board_.clock.now());
  web_.poll();
  pass.end_phase(LoopPhase::kWeb, board_.clock.now());
  step_panel(now);
  pass.end_phase(LoopPhase::kPanel, board_.clock.now());
  pass.record(loop_times_);
  account_busy(pass.began(), pass.ended());
}

bool App::box_busy() const {
  const EventLog& log = health_.events();
  const bool https_starting = board_.https_port != 0 && mode_ != RunMode::kOnce && !https_tried_;
  return !checks_started_ || scheduler_.in_flight() > 0 || web_.open_connections() > 0 || https_starting ||
         tls_identity_pending_ || !syslog_.caught_up(log) || !snmp_.idle(log) ||
         events_persisted_ != log.total();  // sequences wrap: never an order
}

int64_t App::box_wait_us(hal::MonoMicros now, bool busy) const {
  if (busy) return kBusyStepUs;
  hal::MonoMicros wake = now + kIdleStepMaxUs;
  for (hal::MonoMicros due : {scheduler_.next_start(), cross_.next_overdue(), sntp_.next_due(), mail_.next_due(now)}) {
    if (due < wake) wake = due;
  }
  // Due already yet not started (a check waiting for the clock): the busy pace.
  return wake <= now ? kBusyStepUs : wake - now;
}

int64_t App::idle_wait_us(hal::MonoMicros now) const {
  int64_t lwip_us = static_cast<int64_t>(sys_timeouts_sleeptime()) * 1000;
  // Between cycles lwIP's timers only keep house (TIME_WAIT, ARP, DHCP's clock):
  // served up to kIdleTimerSlackUs late, the TCP timer's 250 ms ticks after a cycle
  // ride on the wake-ups of lwIP's 500 ms DHCP timer instead of adding their own.
  const bool busy = box_busy();
  if (!busy) lwip_us += kIdleTimerSlackUs;
  return shared_wake(lwip_us, box_wait_us(now, busy), kWakeSlackUs);
}

void App::account_busy(hal::MonoMicros began, hal::MonoMicros ended) {
  constexpr int64_t kWindowUs = 10'000'000;
  const int64_t took = ended - began;
  busy_us_ += took;
  if (load_window_start_us_ < 0) {
    load_window_start_us_ = began;
    busy_at_window_start_us_ = busy_us_ - took;
  }
  const int64_t window = ended - load_window_start_us_;
  if (window >= kWindowUs) {
    load_ppm_ = static_cast<int32_t>((busy_us_ - busy_at_window_start_us_) * 1'000'000 / window);
    load_window_start_us_ = ended;
    busy_at_window_start_us_ = busy_us_;
  }
}

}  // namespace probebox
