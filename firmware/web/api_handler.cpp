#include "web/api_handler.h"

#include "config/config_view.h"
#include "core/ascii.h"
#include "core/json_writer.h"
#include "core/view.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "net/platform_hooks.h"
#include "net/tls_memory.h"
#include "web/events_document.h"
#include "web/https_redirect.h"
#include "web/json_body.h"
#include "web/metrics_document.h"
#include "web/report_document.h"
#include "web/status_document.h"
#include "web/web_assets.h"

namespace probebox {
namespace {

bool is_pem(std::string_view content_type) {
  std::string_view media = first(content_type, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return equals_ignore_case(media, "application/x-pem-file");
}

bool is_json(std::string_view content_type) {
  std::string_view media = first(content_type, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return equals_ignore_case(media, "application/json");
}

void method_not_allowed(HttpResponse& response, const char* allow) {
  write_error(response, 405, "method not allowed");
  response.headers.appendf("Allow: %s\r\n", allow);
}

// Documents the server streams (HttpResponse::document).
enum : uint8_t { kDocMetrics = 1, kDocStatus, kDocEvents, kDocReport, kDocConfig, kDocConfigErrors };

bool parse_ipv4(std::string_view s, uint32_t& out) {
  uint32_t value = 0;
  int parts = 0;
  while (parts < 4) {
    uint32_t octet = 0;
    size_t digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<uint32_t>(s.front() - '0');
      s.remove_prefix(1);
      ++digits;
    }
    if (digits == 0 || digits > 3 || octet > 255) return false;
    value = value << 8 | octet;
    ++parts;
    if (parts < 4) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return false;
  out = value;
  return true;
}

// "name:port" -> "name"; "[v6]:port" -> "[v6]". False on a malformed port.
bool host_name_part(std::string_view host, std::string_view& name) {
  size_t colon = host.rfind(':');
  size_t bracket = host.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    name = host;
    return !host.empty();
  }
  std::string_view port = host;
  port.remove_prefix(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  name = host;
  name.remove_suffix(host.size() - colon);
  return !name.empty();
}

ConfigErrors g_errors;

// Steps or passes counted by how long they took: bucket i holds those shorter than
// bounds_ms[i] (and at least the bound before); the last is open-ended.
void write_buckets(JsonWriter& w, std::string_view key, const DurationBuckets& buckets) {
  w.key(key).begin_object().key("bounds_ms").begin_array();
  for (int64_t bound : DurationBuckets::kUpperBoundsMs) w.integer(bound);
  w.end_array().key("counts").begin_array();
  for (int b = 0; b < DurationBuckets::kBuckets; ++b) w.integer(buckets.count(b));
  w.end_array().end_object();
}

// The longest step's anatomy (core/step_times.h): its phases, and the one call that
// took longest, named by check index (the config may have changed since) and kind.
void write_longest_step(JsonWriter& w, const StepAnatomy& step) {
  using Phase = StepAnatomy::Phase;
  w.key("longest_step").begin_object().field_int("us", step.total_us);
  for (int p = 0; p < StepAnatomy::kPhases; ++p) {
    const auto i = static_cast<std::size_t>(p);
    w.key(StepAnatomy::phase_name(static_cast<Phase>(p))).begin_object().field_int("calls", step.calls[i]).field_int("us", step.phase_us[i]).end_object();
  }
  w.key("slowest_call");
  if (step.slowest_us == 0) {
    w.null();
  } else {
    w.begin_object()
        .key("phase").string(StepAnatomy::phase_name(step.slowest_phase))
        .field_int("check_index", step.slowest_check)
        .key("type").string(check_type_name(step.slowest_type))
        .field_int("us", step.slowest_us)
        .end_object();
  }
  w.end_object();
}

}  // namespace

ConfigErrors& ApiHandler::config_errors() { return g_errors; }

void write_error(HttpResponse& response, int status, std::string_view message) {
  response.status = status;
  response.content_type = "application/json";
  response.body.clear();
  JsonWriter w(response.body);
  w.begin_object().field("error", message).end_object();
}

bool ApiHandler::origin_matches(std::string_view origin, std::string_view host) {
  std::string_view rest = origin;
  if (has_prefix(rest, "http://")) rest.remove_prefix(7);
  else if (has_prefix(rest, "https://")) rest.remove_prefix(8);
  else return false;  // "null" and every other scheme
  return equals_ignore_case(rest, host);
}

bool ApiHandler::host_allowed(const HttpRequest& request) const {
  std::string_view name;
  if (!request.has_host || !host_name_part(request.host, name)) return false;
  if (request.has_origin && !origin_matches(request.origin, request.host)) return false;
  // An address literal cannot be rebound; the box's own, and loopback for a port
  // forward (the simulator's 127.0.0.1:8080).
  uint32_t ip = 0;
  if (parse_ipv4(name, ip)) return (request.local_ipv4 != 0 && ip == request.local_ipv4) || (ip >> 24) == 127;
  if (equals_ignore_case(name, "localhost") || name == "[::1]") return true;
  // A name only when the operator gave the box that name.
  std::string_view device = config_.text(config_.device_name);
  return !device.empty() && equals_ignore_case(name, device);
}

void ApiHandler::stream(HttpResponse& response, uint8_t document, const char* content_type) {
  response.content_type = content_type;
  response.document = document;
  response.document_mono_us = clock_.now();
  hal::WallTime wall = clock_.wall();
  response.document_wall_us = wall.valid ? wall.unix_micros : -1;
}

void ApiHandler::render(uint8_t document, int64_t mono_us, int64_t wall_us, TextBuffer& out) {
  switch (document) {
    case kDocMetrics:
      write_metrics(out, config_, health_, mono_us - started_at_);
      return;
    case kDocStatus:
      write_status_document(out, config_, health_, DocumentKind::kStatus, mono_us);
      return;
    case kDocEvents:
      write_events_document(out, health_.events(), mono_us, EventLog::kCapacity);
      return;
    case kDocReport: {
      hal::WallTime wall;
      wall.valid = wall_us >= 0;
      wall.unix_micros = wall.valid ? wall_us : 0;
      write_report_document(out, config_, health_, wall, mono_us);
      return;
    }
    case kDocConfig:
      if (!write_masked_config(config_text_, out).ok()) out.append("{}");
      return;
    case kDocConfigErrors: {
      // The last rejected PUT's errors (g_errors stays until the next PUT).
      JsonWriter w(out);
      w.begin_object();
      w.field_bool("ok", false);
      w.key("errors").begin_array();
      for (size_t i = 0; i < g_errors.count(); ++i) {
        w.begin_object().field("path", g_errors.at(i).path.view()).field("message", g_errors.at(i).message.view()).end_object();
      }
      w.end_array();
      w.field_int("errors_total", static_cast<int64_t>(g_errors.total()));
      w.end_object();
      return;
    }
    default:
      return;
  }
}

int ApiHandler::stream_body(const HttpRequest& request) {
  // Only the uploads stream (into flash), and only an admin's with the right media
  // type; anything else is read into the connection's buffer when it fits, and
  // answered by handle() as it would be, else refused now.
  const bool config = request.path == "/api/config";
  if ((!config && request.path != "/api/tls") || request.method != "PUT") return kInlineBody;
  const bool fits = request.head_length + request.content_length <= HttpServer::kConnectionBuffer;
  int refusal = 0;
  const AdminSession* session = auth_.find(cookie_value(request.cookie, kSessionCookie), clock_.now());
  if (!host_allowed(request)) refusal = 403;
  else if (session == nullptr) refusal = 401;
  else if (!AdminAuth::csrf_matches(*session, request.csrf_token) || session->initial_password) refusal = 403;
  else if (config ? !is_json(request.content_type) : !is_pem(request.content_type)) refusal = 415;
  if (refusal == 0) return kStreamBody;
  return fits ? kInlineBody : refusal;
}

int ApiHandler::begin_body(const HttpRequest& request) {
  Status s = actions_ != nullptr ? actions_->begin_upload(request.content_length) : Status(StatusCode::kUnavailable);
  if (s.ok()) return 0;
  return s.code() == StatusCode::kResourceExhausted ? 413 : 503;
}

bool ApiHandler::body_piece(std::string_view bytes) {
  return actions_ != nullptr && actions_->upload_more(bytes).ok();
}

void ApiHandler::handle(const HttpRequest& request, HttpResponse& response) {
  if (has_prefix(request.path, "/api/") && !host_allowed(request)) {
    return write_error(response, 403, "Host or Origin does not name this box");
  }
  if (route_public(request, response)) return;
  const AdminSession* session = auth_.find(cookie_value(request.cookie, kSessionCookie), clock_.now());
  if (session == nullptr) {
    write_error(response, first(request.path, 5) == "/api/" ? 401 : 404,
                first(request.path, 5) == "/api/" ? "log in first" : "not found");
    return;
  }
  bool mutating = request.method != "GET" && request.method != "HEAD";
  if (mutating && !AdminAuth::csrf_matches(*session, request.csrf_token)) {
    write_error(response, 403, "missing or wrong CSRF token");
    return;
  }
  const bool pem_upload = request.path == "/api/tls" && request.method == "PUT";
  if (pem_upload && !is_pem(request.content_type)) {
    write_error(response, 415, "the body must be application/x-pem-file");
    return;
  }
  if (mutating && !pem_upload && request.content_length > 0 && !is_json(request.content_type)) {
    write_error(response, 415, "the body must be application/json");
    return;
  }
  // The first-boot password proves physical access, not a chosen secret: it may
  // read, but it must be replaced before anything else changes.
  if (mutating && session->initial_password && request.path != "/api/password" && request.path != "/api/logout") {
    write_error(response, 403, "change the first-boot password first");
    return;
  }
  route_session(request, response, *session);
}

bool ApiHandler::route_public(const HttpRequest& request, HttpResponse& response) {
  bool get = request.method == "GET";
  if (request.path == "/healthz") {
    if (!get) return method_not_allowed(response, "GET"), true;
    response.content_type = "text/plain";
    response.body.assign("ok\n");
    return true;
  }
  if (request.path == "/metrics") {
    if (!get) return method_not_allowed(response, "GET"), true;
    stream(response, kDocMetrics, "text/plain; version=0.0.4");
    return true;
  }
  if (const WebAsset* asset = find_web_asset(request.path == "/" ? "/index.html" : request.path)) {
    if (!get) return method_not_allowed(response, "GET"), true;
    response.content_type = asset->content_type;
    response.static_body = asset->gzip_data;
    response.static_length = asset->gzip_length;
    response.content_encoding = "gzip";
    response.cache_control = "no-cache";
    return true;
  }
  if (request.path == "/api/login") {
    if (request.method != "POST") return method_not_allowed(response, "POST"), true;
    login(request, response);
    return true;
  }
  if (request.path == "/api/session") {
    if (!get) return method_not_allowed(response, "GET"), true;
    write_session(response, auth_.find(cookie_value(request.cookie, kSessionCookie), clock_.now()));
    return true;
  }
  return false;
}

void ApiHandler::write_session(HttpResponse& response, const AdminSession* session) {
  JsonWriter w(response.body);
  w.begin_object();
  w.field_bool("authenticated", session != nullptr);
  w.field("device", config_.text(config_.device_name));
  w.field_bool("first_boot", !auth_.has_admin_password());
  if (session != nullptr) {
    // Same-origin script reads the token from here; other origins cannot (no CORS).
    w.field("csrf", session->csrf.view());
    w.field_bool("must_change_password", session->initial_password);
  }
  w.end_object();
}

void ApiHandler::login(const HttpRequest& request, HttpResponse& response) {
  // Requiring a JSON body makes a cross-site form post impossible without a
  // CORS preflight, which this server never grants: no login CSRF.
  if (!is_json(request.content_type)) return write_error(response, 415, "the body must be application/json");
  FixedText<AdminAuth::kMaxPasswordLength + 1> password;
  FixedText<120> error;
  JsonStringField fields[] = {{"password", &password}};
  if (!read_string_fields(request.body, fields, error).ok() || password.overflowed()) {
    return write_error(response, 400, error.empty() ? std::string_view("password too long") : error.view());
  }
  const AdminSession* session = nullptr;
  int64_t retry_after_s = 0;
  // The password check runs a slice per main-loop step: until its verdict the
  // request stays pending on its connection (the server calls again with the ticket).
  uint32_t ticket = response.ticket;
  AdminAuth::LoginResult result =
      ticket != 0 ? auth_.poll_login(ticket, clock_.now(), session, retry_after_s)
                  : auth_.begin_login(password.view(), request.remote_ipv4, clock_.now(), session, retry_after_s, ticket);
  switch (result) {
    case AdminAuth::LoginResult::kOk:
      break;
    case AdminAuth::LoginResult::kPending:
    case AdminAuth::LoginResult::kQueued:
      // kQueued: another login's check runs; this one asks again next step.
      response.pending = true;
      response.ticket = result == AdminAuth::LoginResult::kPending ? ticket : 0;
      return;
    case AdminAuth::LoginResult::kWrong:
      write_error(response, 401, "wrong password");
      if (retry_after_s > 0) response.headers.appendf("Retry-After: %lld\r\n", static_cast<long long>(retry_after_s));
      return;
    case AdminAuth::LoginResult::kThrottled:
      write_error(response, 429, "too many failed logins from this address; wait, or use a login code from the panel");
      response.headers.appendf("Retry-After: %lld\r\n", static_cast<long long>(retry_after_s));
      return;
    case AdminAuth::LoginResult::kBusy:
      write_error(response, 429, "too many failed logins; wait, or use a login code from the panel");
      response.headers.appendf("Retry-After: %lld\r\n", static_cast<long long>(retry_after_s));
      return;
    case AdminAuth::LoginResult::kNoEntropy:
      return write_error(response, 503, "no randomness for a session token");
  }
  session_cookie_header(kSessionCookie, session->token.view(), request.secure, false, response.headers);
  write_session(response, session);
}

void ApiHandler::change_password(const HttpRequest& request, HttpResponse& response, const AdminSession& session) {
  FixedText<AdminAuth::kMaxPasswordLength + 1> current, next;
  FixedText<120> error;
  JsonStringField fields[] = {{"current", &current}, {"new", &next}};
  if (!read_string_fields(request.body, fields, error).ok()) return write_error(response, 400, error.view());
  if (current.overflowed() || next.overflowed()) return write_error(response, 400, "password longer than 64 characters");
  AdminCredentials fresh;
  FixedText<65> token;
  token.assign(session.token.view());  // the session object may be rewritten below
  // Like a login: the current password is checked, then the new one hashed, a
  // slice per main-loop step, the request pending meanwhile.
  Status s;
  uint32_t ticket = response.ticket;
  AdminAuth::Progress progress = ticket != 0
                                     ? auth_.poll_change(ticket, token.view(), next.view(), fresh, s)
                                     : auth_.begin_change(token.view(), current.view(), next.view(), fresh, s, ticket);
  if (progress != AdminAuth::Progress::kDone) {
    response.pending = true;
    response.ticket = progress == AdminAuth::Progress::kPending ? ticket : 0;
    return;
  }
  if (s.code() == StatusCode::kPermissionDenied) return write_error(response, 403, "current password is wrong");
  if (s.code() == StatusCode::kInvalidArgument) {
    return write_error(response, 400, "the new password needs 10 to 64 characters and must differ from the first-boot one");
  }
  if (!s.ok()) return write_error(response, 503, "could not hash the password");
  if (actions_ == nullptr || !actions_->store_credentials(fresh).ok()) {
    return write_error(response, 500, "could not store the password; the old one stays");
  }
  auth_.commit(fresh);
  write_session(response, auth_.find(token.view(), clock_.now()));
}

void ApiHandler::put_config(const HttpRequest& request, HttpResponse& response) {
  g_errors.clear();
  // The body went to flash as it arrived (stream_body()); the stored secrets are
  // put back as it is copied into the free config slot, and it is validated there.
  if (!request.body_streamed) return write_error(response, 400, "the body must be a config document");
  bool restart_required = false;
  Status applied = actions_ != nullptr ? actions_->apply_uploaded_config(g_errors, restart_required)
                                       : Status(StatusCode::kUnimplemented);
  if (!applied.ok() && g_errors.empty()) {
    return write_error(response, applied.code() == StatusCode::kResourceExhausted ? 413 : 500,
                       applied.code() == StatusCode::kResourceExhausted ? "config too large"
                                                                        : "could not store the config; nothing changed");
  }
  if (!applied.ok()) {
    // The error list can be longer than an inline answer: rendered as it is sent.
    stream(response, kDocConfigErrors, "application/json");
    response.status = 400;
    return;
  }
  JsonWriter w(response.body);
  w.begin_object();
  w.field_bool("ok", true);
  w.field_int("checks", config_.check_count);
  w.field_bool("restart_required", restart_required);
  w.end_object();
}

void ApiHandler::route_session(const HttpRequest& request, HttpResponse& response, const AdminSession& session) {
  const std::string_view path = request.path;
  const std::string_view method = request.method;
  bool get = method == "GET";
  int64_t now = clock_.now();
  if (path == "/api/status") {
    if (!get) return method_not_allowed(response, "GET");
    stream(response, kDocStatus, "application/json");
  } else if (path == "/api/events") {
    if (!get) return method_not_allowed(response, "GET");
    stream(response, kDocEvents, "application/json");
  } else if (path == "/api/report") {
    if (!get) return method_not_allowed(response, "GET");
    stream(response, kDocReport, "application/json");
  } else if (path == "/api/panel") {
    if (!get) return method_not_allowed(response, "GET");
    if (actions_ == nullptr || !actions_->write_panel(response.body, now)) {
      return write_error(response, 404, "this box has no panel");
    }
  } else if (path == "/api/diagnostics") {
    if (!get) return method_not_allowed(response, "GET");
    write_diagnostics(response.body);
  } else if (path == "/api/config") {
    if (get) {
      stream(response, kDocConfig, "application/json");
    } else if (method == "PUT") {
      put_config(request, response);
    } else {
      method_not_allowed(response, "GET, PUT");
    }
  } else if (path == "/api/tls") {
    if (get) {
      JsonWriter w(response.body);
      w.begin_object();
      if (actions_ != nullptr) actions_->write_tls_identity(w);
      w.end_object();
    } else if (method == "PUT") {
      FixedText<200> error;
      // A certificate upload streamed to flash like a config (stream_body()).
      const std::string_view pem =
          request.body_streamed ? (actions_ != nullptr ? actions_->uploaded() : std::string_view()) : request.body;
      Status s = actions_ != nullptr ? actions_->install_tls_identity(pem, error) : Status(StatusCode::kUnavailable);
      if (actions_ != nullptr) actions_->abandon_upload();
      if (!s.ok()) return write_error(response, s.code() == StatusCode::kInvalidArgument ? 400 : 503, error.view());
      // This connection's session holds the old identity: it ends with this answer.
      response.close_connection = true;
      response.body.assign("{\"ok\":true}");
    } else {
      method_not_allowed(response, "GET, PUT");
    }
  } else if (path == "/api/logout") {
    if (method != "POST") return method_not_allowed(response, "POST");
    auth_.logout(session.token.view());
    session_cookie_header(kSessionCookie, "", request.secure, true, response.headers);
    response.body.assign("{\"ok\":true}");
  } else if (path == "/api/password") {
    if (method != "POST") return method_not_allowed(response, "POST");
    change_password(request, response, session);
  } else if (first(path, 12) == "/api/checks/" && last(path, 4) == "/run") {
    if (method != "POST") return method_not_allowed(response, "POST");
    std::string_view id = slice(path, 12, path.size() - 12 - 4);
    if (actions_ == nullptr || !actions_->run_check(id)) return write_error(response, 404, "no such check");
    response.status = 202;
    response.body.assign("{\"ok\":true}");
  } else {
    write_error(response, 404, "not found");
  }
}

void ApiHandler::write_diagnostics(TextBuffer& out) {
  // What a soak or an engineer needs to see that nothing grows: pools, arena, steps.
  JsonWriter w(out);
  w.begin_object();
  w.key("uptime_s").integer((clock_.now() - started_at_) / 1'000'000);
  if (scheduler_ != nullptr) {
    w.key("probes_run").integer(static_cast<int64_t>(scheduler_->probes_run()));
    w.field_int("in_flight", scheduler_->in_flight()).field_int("max_in_flight", scheduler_->max_in_flight_seen());
    w.key("longest_step_us").integer(scheduler_->longest_step_us());
    const StepTimes& steps = scheduler_->step_times();
    write_buckets(w, "step_times", steps.buckets());
    write_longest_step(w, steps.longest());
    // Results that waited for a document being streamed (monitor/result_hold.h).
    w.field_int("results_held", scheduler_->results_held());
    // The https http probes' TLS sessions (net/resumption_store.h): held, resumed, dropped.
    if (const net::ResumptionStore* sessions = scheduler_->sessions()) {
      w.key("tls_sessions").begin_object().field_int("held", static_cast<int64_t>(sessions->size()))
          .field_int("slots", static_cast<int64_t>(net::ResumptionStore::kSlots))
          .field_int("resumed", sessions->hits()).field_int("dropped", sessions->drops()).end_object();
    }
  }
  w.field_int("events_total", health_.events().total());
  // The per-check summaries and facts (monitor/health_model.h): live bytes, their
  // high-water, the pool, and how many results could not keep every fact.
  w.key("result_pool").begin_object().field_int("used", static_cast<int64_t>(health_.pool_live()))
      .field_int("max", static_cast<int64_t>(health_.pool_high_water()))
      .field_int("avail", static_cast<int64_t>(health_.pool_bytes())).field_int("truncations", health_.truncations())
      .end_object();
  const EventLog& events = health_.events();
  w.key("event_log").begin_object().field_int("events", static_cast<int64_t>(events.size()))
      .field_int("used", static_cast<int64_t>(events.bytes_used())).field_int("avail", static_cast<int64_t>(EventLog::kBytes))
      .field_int("overwritten", events.overwritten()).end_object();
  auto pool = [&](const char* name, const struct stats_mem* m) {
    w.key(name).begin_object().field_int("used", m->used).field_int("max", m->max).field_int("avail", m->avail)
        .field_int("err", m->err).end_object();
  };
  pool("tcp_pcb", lwip_stats.memp[MEMP_TCP_PCB]);
  // TIME_WAIT pcbs are parked, not leaked: counted apart so growth can be told from them.
  auto count = [](const struct tcp_pcb* list) {
    int n = 0;
    for (; list != nullptr; list = list->next) ++n;
    return n;
  };
  w.field_int("tcp_active", count(tcp_active_pcbs)).field_int("tcp_time_wait", count(tcp_tw_pcbs));
  pool("udp_pcb", lwip_stats.memp[MEMP_UDP_PCB]);
  pool("pbuf_pool", lwip_stats.memp[MEMP_PBUF_POOL]);
  pool("tcp_seg", lwip_stats.memp[MEMP_TCP_SEG]);
  pool("lwip_heap", &lwip_stats.mem);
  if (actions_ != nullptr) {
    if (const LoopTimes* loop_times = actions_->loop_times()) {
      const LoopAnatomy& loop = loop_times->longest;
      w.key("longest_loop_step_us").integer(loop.total_us);
      // Its phases (core/loop_anatomy.h), the one that made it long named apart.
      w.key("longest_loop_step").begin_object().field_int("us", loop.total_us)
          .key("slowest_phase").string(LoopAnatomy::phase_name(loop.slowest()));
      for (int p = 0; p < LoopAnatomy::kPhases; ++p) {
        w.field_int(LoopAnatomy::phase_name(static_cast<LoopAnatomy::Phase>(p)), loop.phase_us[static_cast<std::size_t>(p)]);
      }
      w.end_object();
      write_buckets(w, "loop_times", loop_times->passes);
    }
    actions_->write_alert_diagnostics(w);
    actions_->write_web_diagnostics(w);
  }
  net::TlsMemoryStats tls = net::tls_memory_stats();
  w.key("tls_arena").begin_object().field_int("used", static_cast<int64_t>(tls.in_use))
      .field_int("max", static_cast<int64_t>(tls.high_water)).field_int("avail", static_cast<int64_t>(tls.arena_bytes))
      .end_object();
  // The arena's pools (net/tls_memory.h): each kind of session's own reservation.
  w.key("tls_pools").begin_object();
  for (int i = 0; i < net::kTlsPoolCount; ++i) {
    const net::TlsPoolStats& p = tls.pools[i];
    w.key(net::tls_pool_name(static_cast<net::TlsPool>(i))).begin_object()
        .field_int("used", static_cast<int64_t>(p.in_use)).field_int("max", static_cast<int64_t>(p.high_water))
        .field_int("avail", static_cast<int64_t>(p.bytes)).field_int("err", p.failures).end_object();
  }
  w.end_object();
  // The main stack's high-water mark where the board measures it (painted at reset).
  size_t stack_size = 0;
  size_t stack_used = probebox_platform_stack_high_water(&stack_size);
  if (stack_size > 0) {
    w.key("stack").begin_object().field_int("max", static_cast<int64_t>(stack_used))
        .field_int("avail", static_cast<int64_t>(stack_size)).end_object();
  }
  w.end_object();
}

}  // namespace probebox
