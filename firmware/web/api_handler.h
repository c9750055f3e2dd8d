// Routes of the box's HTTP API and web UI, and who may use them: /healthz, /metrics,
// the static page and login are open; everything else needs a session; every
// request that changes something also needs the session's CSRF token
// (X-CSRF-Token) and a JSON body where it has one. Every /api/ request must name
// the box in Host (its address, a loopback form, or its device name) and, when it
// carries an Origin, come from that same host: a page whose DNS name was rebound
// to the box cannot use its API.
#pragma once
#include "config/config_errors.h"
#include "config/config_model.h"
#include "core/loop_anatomy.h"
#include "monitor/health_model.h"
#include "monitor/scheduler.h"
#include "hal/clock.h"
#include "web/admin_auth.h"
#include "web/http_server.h"

namespace probebox {

class JsonWriter;

// What the API asks of the rest of the box.
class ApiActions {
 public:
  // An upload (PUT /api/config, PUT /api/tls) is kept as it arrives, in flash, not
  // RAM: begin_upload() with its announced length (kResourceExhausted past the bound,
  // kUnavailable without flash or when it fails), then each piece in order;
  // uploaded() is the whole body once complete, read in place (empty before, and
  // after abandon_upload(): a body cut off is never used).
  virtual Status begin_upload(size_t /*length*/) { return StatusCode::kUnavailable; }
  virtual Status upload_more(std::string_view /*bytes*/) { return StatusCode::kUnavailable; }
  virtual std::string_view uploaded() const { return {}; }
  virtual void abandon_upload() {}
  // The uploaded config document: its "********" secrets put back from the stored
  // config (config/config_view.h), validated, stored and activated; on any error
  // nothing changes and `errors` says why. `restart_required`: the network settings
  // changed, which take effect at the next start.
  virtual Status apply_uploaded_config(ConfigErrors& errors, bool& restart_required) = 0;
  virtual bool run_check(std::string_view id) = 0;
  virtual Status store_credentials(const AdminCredentials& credentials) = 0;
  // What web/ shows but does not include (panel/ and alerts/ are its siblings):
  // the front panel as JSON (GET /api/panel), false when the box has none; and the
  // alert services' counters, as fields of /api/diagnostics (none by default).
  virtual bool write_panel(TextBuffer& /*out*/, int64_t /*now_us*/) const { return false; }
  virtual void write_alert_diagnostics(JsonWriter& /*w*/) const {}
  // The web server's own counters (the server is the box's, not the handler's).
  virtual void write_web_diagnostics(JsonWriter& /*w*/) const {}
  // The main loop's passes by length and the longest one by phase (the scheduler's
  // figures cover only its own part); null when unknown.
  virtual const LoopTimes* loop_times() const { return nullptr; }
  // HTTPS: an operator's certificate(s) and key in PEM (validated, stored, then
  // served from the next connection on); the identity in use as JSON fields.
  virtual Status install_tls_identity(std::string_view /*pem*/, TextBuffer& error) {
    error.append("this box does not serve HTTPS");
    return StatusCode::kUnavailable;
  }
  virtual void write_tls_identity(JsonWriter& /*w*/) const {}

 protected:
  ~ApiActions() = default;
};

class ApiHandler final : public HttpHandler {
 public:
  static constexpr std::string_view kSessionCookie = "pb_session";

  // `config_text`: the running config's text (a view the owner moves on a new config).
  ApiHandler(const Config& config, const std::string_view& config_text, const HealthModel& health, hal::Clock& clock)
      : config_(config), config_text_(config_text), health_(health), clock_(clock) {}
  void handle(const HttpRequest& request, HttpResponse& response) override;
  void render(uint8_t document, int64_t mono_us, int64_t wall_us, TextBuffer& out) override;
  int stream_body(const HttpRequest& request) override;
  int begin_body(const HttpRequest& request) override;
  bool body_piece(std::string_view bytes) override;
  void body_abandoned() override {
    if (actions_ != nullptr) actions_->abandon_upload();
  }
  // A login's client left before its password check ended.
  void abandon(uint32_t ticket) override { auth_.abandon_login(ticket); }
  // Host and Origin acceptable for an API request (DNS rebinding guard).
  bool host_allowed(const HttpRequest& request) const;
  static bool origin_matches(std::string_view origin, std::string_view host);
  void set_started_at(int64_t mono_us) { started_at_ = mono_us; }
  void set_scheduler(const Scheduler* scheduler) { scheduler_ = scheduler; }
  void set_actions(ApiActions* actions) { actions_ = actions; }
  AdminAuth& auth() { return auth_; }
  // The errors of the last rejected PUT (GET-able until the next PUT). Before the
  // box starts no PUT has come, so the board reads its boot config's errors into it
  // (App::boot_errors()); App::start() empties it again.
  static ConfigErrors& config_errors();

 private:
  bool route_public(const HttpRequest& request, HttpResponse& response);
  void route_session(const HttpRequest& request, HttpResponse& response, const AdminSession& session);
  void login(const HttpRequest& request, HttpResponse& response);
  void change_password(const HttpRequest& request, HttpResponse& response, const AdminSession& session);
  void put_config(const HttpRequest& request, HttpResponse& response);
  void write_session(HttpResponse& response, const AdminSession* session);
  void write_diagnostics(TextBuffer& out);
  void stream(HttpResponse& response, uint8_t document, const char* content_type);

  const Config& config_;
  const std::string_view& config_text_;
  const HealthModel& health_;
  hal::Clock& clock_;
  int64_t started_at_ = 0;
  const Scheduler* scheduler_ = nullptr;
  ApiActions* actions_ = nullptr;
  AdminAuth auth_;
};

// Sets status and a {"error": message} body.
void write_error(HttpResponse& response, int status, std::string_view message);

}  // namespace probebox
