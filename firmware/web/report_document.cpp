#include "web/report_document.h"

#include "core/json_writer.h"
#include "core/result_details.h"
#include "web/events_document.h"
#include "web/status_document.h"

namespace probebox {

void write_report_document(TextBuffer& out, const Config& config, const HealthModel& health, hal::WallTime wall,
                           int64_t now_mono_us) {
  JsonWriter w(out);
  w.begin_object();
  w.field("version", PROBEBOX_VERSION);
  w.key("device").begin_object().field("name", config.text(config.device_name))
      .field("location", config.text(config.device_location)).end_object();
  if (wall.valid) {
    FixedText<32> stamp;
    append_iso8601(stamp, wall.unix_micros / 1'000'000);
    w.field("generated_at", stamp.view());
  } else {
    w.field_null("generated_at");  // the box has no time yet: the report says so
  }
  w.field_bool("clock_synchronised", wall.valid);
  bool all_met = true;
  w.key("requirements").begin_array();
  for (int g = 0; g < kGroupCount; ++g) {
    Group group = static_cast<Group>(g);
    int guards = 0;
    Outcome worst = Outcome::kOk;
    bool all_have_results = true;
    for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
      if (config.checks[i].group != group) continue;
      ++guards;
      const CheckHealth& h = health.check(i);
      if (!h.has_result) all_have_results = false;
      worst = worse(worst, h.has_result ? h.hard : Outcome::kUnknown);
    }
    const char* verdict = guards == 0 ? "not checked"
                          : !all_have_results ? "pending"
                          : worst == Outcome::kOk ? "met"
                                                  : "not met";
    if (guards == 0 || worst != Outcome::kOk || !all_have_results) all_met = false;
    w.begin_object();
    w.field("group", group_name(group)).field("requirement", group_requirement(group)).field("verdict", verdict);
    w.field("state", guards == 0 ? std::string_view("unknown") : outcome_name(worst));
    w.key("checks").begin_array();
    for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
      const CheckConfig& c = config.checks[i];
      if (c.group != group) continue;
      const CheckHealth& h = health.check(i);
      FixedText<300> target;
      write_check_target(target, config, c);
      w.begin_object();
      w.field("id", config.text(c.id)).field("type", check_type_name(c.type)).field("target", target.view());
      w.field("hard", h.has_result ? outcome_name(h.hard) : std::string_view("unknown"));
      w.key("hard_for_s").integer(h.has_result ? (now_mono_us - h.hard_since_mono_us) / 1'000'000 : 0);
      w.field("summary", h.has_result ? h.last.summary.view() : std::string_view("not run yet"));
      w.key("evidence");
      if (h.has_result) write_result_details(w, h.last);
      else w.begin_object().end_object();
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.field_bool("all_met", all_met);
  write_config_warnings(w, config);
  w.end_object();
}

}  // namespace probebox
