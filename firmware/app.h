// Wiring: owns every service of the box and runs one main-loop step. A board
// constructs it statically with its hal objects and calls step() forever.
#pragma once
#include "alerts/mail_alerter.h"
#include "alerts/snmp_agent.h"
#include "alerts/syslog_sender.h"
#include "config/config_model.h"
#include "config/config_store.h"
#include "config/flash_layout.h"
#include "monitor/event_store.h"
#include "monitor/cross_check_gate.h"
#include "monitor/health_model.h"
#include "monitor/result_hold.h"
#include "monitor/scheduler.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/buttons.h"
#include "hal/ethernet_port.h"
#include "hal/flash_store.h"
#include "hal/lcd.h"
#include "hal/leds.h"
#include "panel/panel.h"
#include "panel/panel_pace.h"
#include "net/ethernet_netif.h"
#include "net/sntp_client.h"
#include "net/tls_server.h"
#include "probes/probe_registry.h"
#include "web/api_handler.h"
#include "web/http_server.h"

namespace probebox {

struct BoardServices {
  hal::Clock& clock;
  hal::Entropy& entropy;
  hal::EthernetPort& ethernet;
  // The front panel; a board without one leaves them null.
  hal::Leds* leds = nullptr;
  hal::Lcd* lcd = nullptr;
  hal::Buttons* buttons = nullptr;
  // Erases the stored config and restarts the box (the panel's factory reset).
  void (*factory_reset)() = nullptr;
  const char* config_source = "flash";
  // Where PUT /api/config and the admin password are stored (config/flash_layout.h);
  // null on a board without flash: changes then last until the next start.
  hal::FlashStore* flash = nullptr;
  // The web UI over HTTPS on this port, port 80 then redirecting to it; 0: plain
  // HTTP only (a test rig's choice, never an operator's default).
  uint16_t https_port = 443;
  // The port clients reach the HTTPS listener at, for the redirect (the simulator's
  // host forward); 0: https_port.
  uint16_t https_public_port = 0;
};

class App final : public ResultSink, public panel::PanelActions, public ApiActions {
 public:
  enum class RunMode { kContinuous, kOnce };
  static constexpr uint16_t kWebPort = 80;

  explicit App(BoardServices services)
      : board_(services),
        scheduler_(pool_, *this),
        api_(config_, config_text_, health_, services.clock),
        upload_(services.flash, flash_layout::kUploadFirstSector, flash_layout::kUploadSectors),
        event_store_(services.flash, flash_layout::kEventsFirstSector, flash_layout::kEventsSectors) {}

  // Results pass through the App on their way to the health model: rules that look
  // across checks (certificate identity) apply here.
  void on_result(uint16_t check_index, const ProbeResult& result, hal::MonoMicros now) override;
  void run_all_now() override { scheduler_.run_all_now(); }
  void factory_reset() override;
  bool issue_login_code(TextBuffer& shown) override;
  // ApiActions: the web UI's changes.
  Status begin_upload(size_t length) override;
  Status upload_more(std::string_view bytes) override;
  std::string_view uploaded() const override;
  void abandon_upload() override { upload_.reset(); }
  Status apply_uploaded_config(ConfigErrors& errors, bool& restart_required) override;
  bool run_check(std::string_view id) override;
  Status store_credentials(const AdminCredentials& credentials) override;
  Status install_tls_identity(std::string_view pem, TextBuffer& error) override;
  void write_tls_identity(JsonWriter& w) const override;
  bool write_panel(TextBuffer& out, int64_t now_us) const override;
  void write_alert_diagnostics(JsonWriter& w) const override;
  void write_web_diagnostics(JsonWriter& w) const override;
  const LoopTimes* loop_times() const override { return &loop_times_; }
  // The firmware's own CPU time: every main-loop step, i.e. all but the board's idle
  // wait. Under QEMU's -icount it is an instruction count; on a part, cycles.
  int64_t busy_us() const { return busy_us_; }
  // Busy share of the last full 10-second window in parts per million (-1 before
  // one): a loop asleep between cycles is well under a tenth of a percent.
  int32_t cpu_load_ppm() const { return load_ppm_; }
  const panel::Panel& panel() const { return panel_; }
  std::string_view initial_password() const { return initial_password_.view(); }
  panel::Panel& panel() { return panel_; }

  // Brings up lwIP, the interface and the web server with `config` (copied) and
  // the document it was parsed from (kept for GET /api/config): a view, never
  // copied, so it must outlive the App: the stored slot where it lies in
  // memory-mapped flash (ConfigStore::mapped(), config_boot.h), the factory
  // constant, or a host's own buffer. A `boot_note` (config/config_boot.h: a stored
  // config was passed over) goes into the event log as a warning of "(config)", and
  // so out to the alerts.
  void start(const Config& config, std::string_view config_text, RunMode mode, std::string_view boot_note = {});
  // The App's own model, for a board to parse its boot config into: passed back to
  // start(), nothing is copied, so the board keeps no second Config.
  Config& boot_config() { return config_; }
  // Scratch for the boot config's errors: the store that later holds a rejected
  // PUT's errors (ApiHandler::config_errors()), which only comes after start();
  // start() empties it.
  ConfigErrors& boot_errors();
  // Before start(): HTTPS on `port` (0: off, plain HTTP only), reached by clients at
  // `public_port` (BoardServices::https_port, https_public_port).
  void set_https_ports(uint16_t port, uint16_t public_port) {
    board_.https_port = port;
    board_.https_public_port = public_port;
  }
  // The event-log name of the box's own config (never a check id: those have no parentheses).
  static constexpr std::string_view kConfigEventId = "(config)";
  // After start(): why the box restarted, when the board knows it was not a clean start
  // (a fault, its stack guard or its watchdog stopped it): a warning of "(restart)" in
  // the event log, and so out to the alerts, as boot_note is for "(config)".
  void report_restart(std::string_view why);
  static constexpr std::string_view kRestartEventId = "(restart)";
  void step();

  bool network_ready() const { return netif_.has_address(); }
  // Work is waiting that runs a slice per step (a login's password check, SNMPv3
  // keys being localized): step again at once rather than sleep until the next
  // packet or timer.
  bool wants_step_now() const { return web_.has_pending() || snmp_.localizing_keys(); }
  // While work is under way (probes, connections, alerts catching up, boot), the
  // loop steps at least this often: probes and connections watch their deadlines.
  static constexpr int64_t kBusyStepUs = 50'000;
  // Between cycles the loop may sleep this long at most with nothing due.
  static constexpr int64_t kIdleStepMaxUs = 1'000'000;
  // How late lwIP's timers may run while nothing is under way: one TCP timer tick.
  // TIME_WAIT then lasts a little longer (lwIP counts it in ticks), DHCP's and ARP's
  // timers are seconds; while anything is under way they run on time.
  static constexpr int64_t kIdleTimerSlackUs = 250'000;
  // How long the loop may sleep, if no frame arrives, before step() has work: the
  // busy pace while anything is under way, else until the next check, clock
  // request, overdue cross-check set or mail batch (at most kIdleStepMaxUs), and
  // not past lwIP's next timer (kIdleTimerSlackUs after it between cycles) unless
  // the two are within kWakeSlackUs (one wake-up serves both: core/wake_slack.h).
  int64_t idle_wait_us(hal::MonoMicros now) const;
  // How long until the front panel's next step (panel/panel_pace.h: 10 Hz, 50 Hz
  // while its buttons are in use), for a board with LEDs or an LCD: its loop sleeps
  // the shorter of this and idle_wait_us, waking sooner for a button.
  int64_t panel_wait_us(hal::MonoMicros now) const;
  bool once_complete() const { return checks_started_ && scheduler_.once_complete(); }
  // The exit code of a run that cannot tell (Monitoring Plugins' UNKNOWN).
  static constexpr int kExitUnknown = static_cast<int>(Outcome::kUnknown);
  // After a --once cycle, on every board: the result document into `out`, and the
  // exit code, the overall outcome (kExitUnknown when the document did not fit `out`).
  int write_once_result(TextBuffer& out, hal::MonoMicros now) const;
  // The requirements report of the finished cycle (the /api/report document).
  void write_once_report(TextBuffer& out, hal::MonoMicros now) const;
  const Config& config() const { return config_; }
  const HealthModel& health() const { return health_; }
  const Scheduler& scheduler() const { return scheduler_; }
  const net::EthernetNetif& netif() const { return netif_; }
  const net::SntpClient& sntp() const { return sntp_; }
  const SyslogSender& syslog() const { return syslog_; }
  const MailAlerter& mail() const { return mail_; }
  const SnmpAgent& snmp() const { return snmp_; }
  const EventStore& event_store() const { return event_store_; }
  bool tls_ready() const { return tls_.ready(); }
  // Replaces the built-in public roots before start(): the host simulator's test set.
  void use_public_roots(const x509::RootTable& table) { tls_.use_public_roots(table); }
  bool web_listening() const { return web_ok_; }
  // The web UI's HTTPS identity (ready once the box had an address and made or
  // loaded it), and whether its listener runs.
  const net::TlsServerIdentity& tls_identity() const { return tls_identity_; }
  bool https_listening() const { return https_ok_; }
  const HttpServer& web() const { return web_; }
  // When the first check could start (the interface had an address).
  hal::MonoMicros checks_started_at() const { return checks_started_at_; }

 private:
  // A note about the box itself, news for the log, the flash and the alerts.
  void push_box_event(std::string_view id, std::string_view summary);
  void apply_resolvers();
  // (Re)starts everything that follows the config, with the network left as it is.
  void activate_config();
  void load_credentials();
  uint32_t next_engine_boots();
  void persist_events();
  // HTTPS: loads the stored identity or makes the first one, then listens; a new
  // identity from the web UI is taken once no session uses the old one.
  void step_https();
  bool load_tls_identity();
  void step_panel(hal::MonoMicros now);

  BoardServices board_;
  Config config_;
  // The running config's text: the active slot in memory-mapped flash (or what
  // start() was given); no RAM copy.
  std::string_view config_text_;
  ProbePool pool_;
  HealthModel health_;
  Scheduler scheduler_;
  net::EthernetNetif netif_;
  ApiHandler api_;
  SyslogSender syslog_;
  MailAlerter mail_;
  SnmpAgent snmp_;
  HttpServer web_;
  net::TlsClientConfig tls_;
  net::ResumptionStore sessions_;  // the https http probes' TLS sessions (net/resumption_store.h)
  net::SntpClient sntp_;  // the box's own clock, from network.ntp
  void configure_clock(hal::MonoMicros now);
  bool clock_ready(hal::MonoMicros now);
  hal::MonoMicros addressed_at_us_ = -1;
  RunMode mode_ = RunMode::kContinuous;
  CrossCheckGate cross_;
  ResultHold result_hold_;
  void commit_cross_set(uint16_t check_index, hal::MonoMicros now);
  panel::Panel panel_;
  FixedText<20> initial_password_;  // until an admin password is set (the web UI's login)
  hal::MonoMicros started_at_ = 0;
  panel::PanelPace panel_pace_;
  bool checks_started_ = false;
  hal::MonoMicros checks_started_at_ = 0;
  LoopTimes loop_times_;
  int64_t busy_us_ = 0;
  int64_t load_window_start_us_ = -1;
  int64_t busy_at_window_start_us_ = 0;
  int32_t load_ppm_ = -1;
  void account_busy(hal::MonoMicros began, hal::MonoMicros ended);
  bool box_busy() const;  // probes, connections, alerts or boot under way
  // idle_wait_us without lwIP's timers: the box's own deadlines (busy: box_busy()).
  int64_t box_wait_us(hal::MonoMicros now, bool busy) const;
  bool web_ok_ = false;
  net::TlsServerIdentity tls_identity_;
  bool https_ok_ = false;
  bool https_tried_ = false;
  bool tls_identity_pending_ = false;
  FixedText<65> tls_fingerprint_hex_;  // for the LCD
  // Where a large request body lands as it arrives (flash_layout::kUploadFirstSector).
  FlashAppender upload_;
  EventStore event_store_;
  uint32_t events_persisted_ = 0;  // sequence of the next event to write to flash
};

}  // namespace probebox
