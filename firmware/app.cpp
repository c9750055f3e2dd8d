#include "app.h"

#include "alerts/alert_diagnostics.h"
#include "lwip/dns.h"
#include "net/platform_hooks.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/net_glue.h"
#include "net/tls_memory.h"
#include "config/config_parser.h"
#include "config/config_store.h"
#include "config/flash_layout.h"
#include "monitor/cert_identity.h"
#include "core/static_object.h"
#include "panel/panel_document.h"

namespace probebox {

void App::start(const Config& config, std::string_view config_text, RunMode mode, std::string_view boot_note) {
  started_at_ = board_.clock.now();
  api_.set_started_at(started_at_);
  api_.set_scheduler(&scheduler_);
  api_.set_actions(this);
  config_ = config;
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
  config_text_.assign(config_text);
  mode_ = mode;
  net::bind_platform(board_.clock, board_.entropy);
  net::tls_memory_init();
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
  if (!boot_note.empty()) {
    // After the skip: this one is news, for the log, the flash and the alerts.
    Event e;
    e.check_id.assign(kConfigEventId);
    e.first = true;
    e.to = Outcome::kWarning;
    e.mono_us = board_.clock.now();
    hal::WallTime wall = board_.clock.wall();
    e.wall_unix_us = wall.valid ? wall.unix_micros : 0;
    e.summary.assign(boot_note);
    health_.events_to_restore().push(e);
  }
  web_ok_ = web_.start(kWebPort, api_, board_.clock);
}

void App::persist_events() {
  // A few per step: a burst of changes is written over the next steps, and the
  // ring in RAM (64) is far deeper than one step's worth.
  const EventLog& log = health_.events();
  log.catch_up(events_persisted_);
  for (int n = 0; n < 4 && log.readable(events_persisted_); ++n, ++events_persisted_) {
    // A failed write is counted by the store (EventStore::failed()) and the
    // event stays in RAM and in the documents; retrying would wear a failing part.
    (void)event_store_.append(log.at_sequence(events_persisted_));
  }
}

void App::activate_config() {
  if (!tls_.setup(config_.text(config_.trust_anchors_pem)).ok()) {
    probebox_platform_log("probebox: TLS set-up failed (trust anchors unreadable?)\n");
  }
  apply_resolvers();
  health_.load(config_, board_.clock);
  syslog_.configure(config_);
  mail_.configure(config_, &tls_);
  snmp_.configure(config_);
}

uint32_t App::next_engine_boots() {
  // Counted across restarts so an SNMPv3 message recorded before one cannot be
  // replayed after it (the engine time restarts at 0). Without flash: 1.
  if (board_.flash == nullptr) return 1;
  ConfigStore store(*board_.flash, flash_layout::kSnmpEngineSlotSectors, flash_layout::kSnmpEngineFirstSector,
                    flash_layout::kSnmpEngineMagic);
  char record[4] = {};
  size_t length = 0;
  uint32_t boots = 0;
  if (store.load(record, length).ok() && length == sizeof(record)) {
    for (int i = 0; i < 4; ++i) boots = boots << 8 | static_cast<uint8_t>(record[i]);
  }
  // RFC 3414: 2147483647 is the last value; the engine then needs a new ID.
  if (boots < 2147483647u) ++boots;
  for (int i = 0; i < 4; ++i) record[i] = static_cast<char>(boots >> (24 - 8 * i));
  if (!store.save({record, sizeof(record)}).ok()) {
    probebox_platform_log("probebox: could not store the SNMP engine boots\n");
  }
  return boots;
}

void App::load_credentials() {
  AdminCredentials stored;
  bool have = false;
  if (board_.flash != nullptr) {
    char record[AdminCredentials::kRecordBytes];
    size_t length = 0;
    ConfigStore store(*board_.flash, flash_layout::kCredentialsSlotSectors, flash_layout::kCredentialsFirstSector,
                      flash_layout::kCredentialsMagic);
    have = store.load(record, length).ok() && stored.decode({record, length});
  }
  api_.auth().begin(board_.entropy, have ? &stored : nullptr, initial_password_.view());
  if (have) initial_password_.clear();  // the LCD stops showing it
}

Status App::store_credentials(const AdminCredentials& credentials) {
  if (board_.flash == nullptr) return StatusCode::kFailedPrecondition;
  std::array<uint8_t, AdminCredentials::kRecordBytes> record{};
  credentials.encode(record);
  ConfigStore store(*board_.flash, flash_layout::kCredentialsSlotSectors, flash_layout::kCredentialsFirstSector,
                    flash_layout::kCredentialsMagic);
  Status s = store.save({reinterpret_cast<const char*>(record.data()), record.size()});
  if (s.ok()) initial_password_.clear();
  return s;
}

bool App::write_panel(TextBuffer& out, int64_t now_us) const {
  write_panel_document(out, panel_, now_us);
  return true;
}

void App::write_alert_diagnostics(JsonWriter& w) const { probebox::write_alert_diagnostics(w, mail_, syslog_); }

namespace {
// Validated into a second Config so a rejected document leaves the running one alone.
StaticObject<Config> g_staging;
}  // namespace

Status App::apply_config(std::string_view json, ConfigErrors& errors, bool& restart_required) {
  Config& staged = g_staging.get();
  if (!parse_config(json, staged, errors).ok()) return StatusCode::kInvalidArgument;
  uint32_t config_sequence = 0;
  if (board_.flash != nullptr) {
    ConfigStore store(*board_.flash, flash_layout::kConfigSlotSectors, flash_layout::kConfigFirstSector);
    if (Status s = store.save(json); !s.ok()) return s;
    config_sequence = store.sequence();
  }
  const NetworkConfig& was = config_.network;
  const NetworkConfig& now = staged.network;
  restart_required = was.dhcp != now.dhcp || was.address != now.address || was.prefix_length != now.prefix_length ||
                     was.gateway != now.gateway;
  // Probes in flight hold pointers into the old config and the TLS set-up: stop
  // them before either changes.
  scheduler_.cancel_all();
  mail_.cancel();
  config_ = staged;
  config_text_.assign(json);
  activate_config();
  hal::WallTime wall = board_.clock.wall();
  syslog_.send_config_change(wall.valid ? wall.unix_micros : 0, config_sequence, "web UI");
  if (checks_started_) {
    scheduler_.load(config_, board_.clock,
                    mode_ == RunMode::kOnce ? Scheduler::Mode::kOnce : Scheduler::Mode::kContinuous, &tls_);
  }
  return Status();
}

bool App::run_check(std::string_view id) {
  for (uint16_t i = 0; i < config_.check_count; ++i) {
    if (config_.text(config_.checks[i].id) == id) {
      scheduler_.run_now(i);
      return true;
    }
  }
  return false;
}

void App::apply_resolvers() {
  // Only configured resolvers: never one a DHCP server offers (lwipopts disables that).
  for (uint8_t i = 0; i < DNS_MAX_SERVERS; ++i) {
    ip_addr_t addr = *IP_ADDR_ANY;
    if (i < config_.network.dns.count) {
      std::string_view entry = config_.text(config_.list_item(config_.network.dns, i));
      std::string_view host;
      uint16_t port = 53;
      uint32_t ip;
      if (split_host_port(entry, host, port) && parse_ipv4(host, ip)) {
        ip_addr_set_ip4_u32(&addr, lwip_htonl(ip));
        if (i == 0) net::set_dns_server_port(port);
      }
    }
    dns_setserver(i, &addr);
  }
}

void App::on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) {
  refined_ = result;
  apply_cert_identity_rules(config_, health_, check_index, refined_);
  health_.on_result(check_index, refined_, now);
}

void App::factory_reset() {
  if (board_.factory_reset != nullptr) board_.factory_reset();
  else probebox_platform_log("probebox: factory reset is not available on this board\n");
}

bool App::issue_login_code(TextBuffer& shown) {
  return api_.auth().issue_panel_code(board_.clock.now(), shown);
}

void App::step_panel(hal::MonoMicros now) {
  // 50 Hz is plenty for buttons and blinking, and bounds the panel's share of a step.
  if (now - last_panel_step_ < 20'000) return;
  last_panel_step_ = now;
  panel::PanelInputs in;
  in.config = &config_;
  in.health = &health_;
  in.link = netif_.link_up();
  in.has_address = netif_.has_address();
  ip4_addr_t a = netif_.address(), g = netif_.gateway();
  in.address = lwip_ntohl(ip4_addr_get_u32(&a));
  in.gateway = lwip_ntohl(ip4_addr_get_u32(&g));
  in.dhcp = netif_.dhcp();
  in.wall = board_.clock.wall();
  in.uptime_us = now - started_at_;
  for (uint16_t i = 0; i < health_.check_count(); ++i) {
    const CheckHealth& h = health_.check(i);
    if (h.has_result && h.last.measurements.has_ntp_offset) {
      in.has_ntp_offset = true;
      in.ntp_offset_us = h.last.measurements.ntp_offset_us;
      break;
    }
  }
  in.config_source = board_.config_source;
  in.firmware_version = PROBEBOX_VERSION;
  in.initial_password = initial_password_.empty() ? nullptr : initial_password_.c_str();
  panel_.step(now, board_.buttons != nullptr ? board_.buttons->pressed() : 0, in, *this);
  if (board_.leds != nullptr && board_.lcd != nullptr) panel_.render(now, *board_.leds, *board_.lcd);
}

void App::step() {
  const hal::MonoMicros began = board_.clock.now();
  netif_.poll();
  sys_check_timeouts();
  hal::MonoMicros now = board_.clock.now();
  if (!checks_started_ && netif_.has_address()) {
    scheduler_.load(config_, board_.clock,
                    mode_ == RunMode::kOnce ? Scheduler::Mode::kOnce : Scheduler::Mode::kContinuous, &tls_);
    checks_started_ = true;
    checks_started_at_ = now;
  }
  if (checks_started_) scheduler_.step(now);
  if (netif_.has_address()) {
    syslog_.step(health_.events());
    mail_.step(health_.events(), board_.clock);
    snmp_.step(health_.events());
  }
  persist_events();
  web_.poll();
  step_panel(now);
  const int64_t took = board_.clock.now() - began;
  if (took > longest_loop_step_us_) longest_loop_step_us_ = took;
}

}  // namespace probebox
