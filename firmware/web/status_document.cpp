#include "web/status_document.h"

#include "core/json_writer.h"
#include "core/result_details.h"

#ifndef PROBEBOX_VERSION
#error "PROBEBOX_VERSION must come from the build"
#endif

namespace probebox {

Outcome document_overall(const HealthModel& health, DocumentKind kind) {
  if (kind == DocumentKind::kStatus) return health.overall();
  Outcome worst = Outcome::kOk;
  for (uint16_t i = 0; i < health.check_count(); ++i) {
    const CheckHealth& h = health.check(i);
    worst = worse(worst, h.has_result ? h.last.outcome : Outcome::kUnknown);
  }
  return worst;
}

void write_check_target(TextBuffer& out, const Config& config, const CheckConfig& check) {
  if (check.type == CheckType::kHttp) {
    out.append(config.text(check.url));
    return;
  }
  out.append(config.text(check.host));
  out.append(':');
  out.append_uint(check.port);
}

void write_config_warnings(JsonWriter& w, const Config& config) {
  w.key("warnings").begin_array();
  for (uint16_t i = 0; i < config.warning_count && i < Config::kMaxWarnings; ++i) {
    w.begin_object().field("path", config.warning_path(i)).field("message", config.warning_message(i)).end_object();
  }
  w.end_array();
}

void write_status_document(TextBuffer& out, const Config& config, const HealthModel& health,
                           DocumentKind kind, int64_t now_mono_us) {
  JsonWriter w(out);
  w.begin_object();
  w.field("version", PROBEBOX_VERSION);
  w.field("overall", outcome_name(document_overall(health, kind)));
  if (kind == DocumentKind::kStatus) {
    w.key("device").begin_object().field("name", config.text(config.device_name)).end_object();
    w.field_int("events", health.events().total());
  }
  w.key("checks").begin_array();
  for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
    if (!w.next_part()) continue;  // a streamed slice renders only its own checks
    const CheckConfig& c = config.checks[i];
    const CheckHealth& h = health.check(i);
    w.begin_object();
    w.field("id", config.text(c.id));
    w.field("type", check_type_name(c.type));
    w.field("group", group_name(c.group));
    FixedText<300> target;
    write_check_target(target, config, c);
    w.field("target", target.view());
    w.field("status", outcome_name(h.has_result ? h.last.outcome : Outcome::kUnknown));
    w.field("summary", h.has_result ? h.last.summary() : std::string_view("not run yet"));
    w.key("latency_ms").number(static_cast<double>(h.last.latency_us) / 1000.0, 1);
    w.key("details");
    if (h.has_result) write_result_details(w, h.last.details());
    else w.begin_object().end_object();
    if (kind == DocumentKind::kStatus) {
      w.field("hard", outcome_name(h.hard));
      w.key("hard_for_s").integer(h.has_result ? (now_mono_us - h.hard_since_mono_us) / 1'000'000 : 0);
      w.field_bool("flapping", h.flapping);
      w.field_bool("maintenance", h.maintenance);
      w.field_bool("generated", c.generated);
      w.field("guards", group_requirement(c.group));
      w.key("counts").begin_object();
      for (int o = 0; o < 4; ++o) w.field_int(outcome_name(static_cast<Outcome>(o)), h.counts[o]);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  write_config_warnings(w, config);
  w.end_object();
}

}  // namespace probebox
