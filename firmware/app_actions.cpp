// What the web UI and the panel ask of the box: a new config, a check run now, the
// alert diagnostics, a factory reset, a login code.
#include "app.h"

#include "alerts/alert_diagnostics.h"
#include "config/config_parser.h"
#include "config/config_store.h"
#include "config/flash_layout.h"
#include "net/platform_hooks.h"

namespace probebox {

void App::write_web_diagnostics(JsonWriter& w) const {
  w.key("web").begin_object()
      .field_int("served", web_.requests_served())
      .field_int("refused", web_.connections_refused())
      .field_int("evicted", web_.connections_evicted())
      .field_int("documents_streamed", web_.documents_streamed())
      .field_int("documents_cut", web_.documents_cut())
      .field_int("heap_waits", web_.heap_waits())
      .field_int("receive_stashed", web_.receive_stashed())
      .field_int("tls_pool_held_idle", static_cast<int64_t>(web_.tls_pool_held_idle()))
      .field_int("handshake_budget_waits", web_.handshake_budget_waits())
      .field_int("lingered", web_.lingered())
      .field_int("result_holds_expired", result_hold_.expired())
      .end_object();
}

void App::write_alert_diagnostics(JsonWriter& w) const {
  probebox::write_alert_diagnostics(w, mail_, syslog_);
  // The box's own clock: where it comes from and how far off it was last time.
  w.key("clock").begin_object();
  w.field_bool("synced", sntp_.synced());
  if (const net::SntpClient::Server* s = sntp_.current_server()) {
    FixedText<24> server;
    const uint32_t a = s->ipv4;
    server.appendf("%u.%u.%u.%u:%u", static_cast<unsigned>(a >> 24), static_cast<unsigned>((a >> 16) & 0xFF),
                   static_cast<unsigned>((a >> 8) & 0xFF), static_cast<unsigned>(a & 0xFF), static_cast<unsigned>(s->port));
    w.field("server", server.view());
  } else {
    w.key("server").null();
  }
  w.key("offset_ms").number(static_cast<double>(sntp_.offset_us()) / 1000.0, 1);
  w.field_int("stratum", sntp_.stratum());
  w.field_int("answers", sntp_.answers());
  w.field_int("failures", sntp_.failures());
  w.end_object();
  // The firmware's own CPU: busy since start and the share of the last 10 s.
  w.key("cpu").begin_object().field_int("busy_us", busy_us_);
  if (load_ppm_ < 0) w.key("load_pct").null();
  else w.key("load_pct").number(load_ppm_ / 10'000.0, 3);
  w.end_object();
}

ConfigErrors& App::boot_errors() { return ApiHandler::config_errors(); }

Status App::begin_upload(size_t length) {
  if (length > HttpServer::kMaxRequestBody) return StatusCode::kResourceExhausted;
  return upload_.begin(length);
}

Status App::upload_more(std::string_view bytes) { return upload_.append(bytes); }

std::string_view App::uploaded() const { return upload_.complete() ? upload_.view() : std::string_view(); }

Status App::apply_uploaded_config(ConfigErrors& errors, bool& restart_required) {
  const std::string_view incoming = uploaded();
  upload_.reset();  // whatever happens, this body is used once
  if (board_.flash == nullptr) return StatusCode::kUnavailable;
  if (incoming.empty()) return StatusCode::kFailedPrecondition;
  // The new text goes into the slot the box does not run on (written there from the
  // upload area with the stored secrets put back), is validated where it lies, and
  // becomes the newest only when valid: until ConfigStore::commit() the running
  // slot, which config_text_ points into, is not touched.
  ConfigStore store(*board_.flash, flash_layout::kConfigSlotSectors, flash_layout::kConfigFirstSector);
  if (Status s = write_restoring_secrets(incoming, config_text_, store, errors); !s.ok()) return s;
  const std::string_view json = store.written();
  if (json.empty()) return StatusCode::kUnimplemented;  // the flash is not memory-mapped
  // No second Config (100 KB on the target): the document is parsed into the running
  // model itself. The firmware is single-threaded and nothing runs until this
  // returns, so when the document is rejected (or cannot be stored) the running
  // text is parsed back into the model, byte for byte what it was (the parser is a
  // function of the text), before anything that points into it runs again.
  const NetworkConfig was = config_.network;
  // Re-reading the running document has no errors (it was valid when it was taken);
  // the rejected document's, which the caller returns, are set aside meanwhile, so
  // no second error store is needed.
  auto take_back = [&] {
    ConfigErrors::Aside aside(errors);
    if (!parse_config_in_place(config_text_, config_, errors).ok()) {
      probebox_platform_fatal("the running config no longer parses", __FILE__, __LINE__);
    }
  };
  // Read in place: the model's strings point into the slot just written, which is
  // the one the box runs on once committed (config_text_ below); a later save
  // never writes the slot in use (ConfigStore::begin_write's `running`).
  if (!parse_config_in_place(json, config_, errors).ok()) {
    take_back();
    return StatusCode::kInvalidArgument;
  }
  std::string_view committed;
  if (Status s = store.commit(); !s.ok()) {
    take_back();
    return s;
  }
  if (Status s = store.mapped(committed); !s.ok() || committed != json) {
    // Committed but not readable back as written: the flash failed under us.
    take_back();
    return StatusCode::kDataLoss;
  }
  const uint32_t config_sequence = store.sequence();
  const NetworkConfig& now = config_.network;
  restart_required = was.dhcp != now.dhcp || was.address != now.address || was.prefix_length != now.prefix_length ||
                     was.gateway != now.gateway;
  // Probes in flight and the mail session held pointers into the old model and the
  // TLS set-up: they end before anything reads the new one (Scheduler::cancel_all
  // ends every probe, whatever the new check count).
  scheduler_.cancel_all();
  mail_.cancel();
  config_text_ = committed;
  config_.move_text(committed);  // byte for byte `json`, in the same slot
  activate_config();
  hal::WallTime wall = board_.clock.wall();
  syslog_.send_config_change(wall.valid ? wall.unix_micros : 0, config_sequence, "web UI");
  syslog_.send_config_warnings(wall.valid ? wall.unix_micros : 0, config_sequence);
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

void App::factory_reset() {
  if (board_.factory_reset != nullptr) board_.factory_reset();
  else probebox_platform_log("probebox: factory reset is not available on this board\n");
}

bool App::issue_login_code(TextBuffer& shown) {
  return api_.auth().issue_panel_code(board_.clock.now(), shown);
}

}  // namespace probebox
