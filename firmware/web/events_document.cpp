#include "web/events_document.h"

#include "core/json_writer.h"

namespace probebox {

void write_events_document(TextBuffer& out, const EventLog& log, int64_t now_mono_us, size_t limit) {
  JsonWriter w(out);
  w.begin_object();
  w.field_int("total", log.total());
  w.field_int("overwritten", log.overwritten());
  w.key("events").begin_array();
  for (size_t i = 0; i < log.size() && i < limit; ++i) {
    if (!w.next_part()) continue;  // a streamed slice renders only its own events
    const Event& e = log.newest(i);
    w.begin_object();
    w.field_int("sequence", e.sequence);
    if (e.wall_unix_us != 0) {
      FixedText<24> when;
      append_iso8601(when, e.wall_unix_us / 1'000'000);
      w.field("time", when.view());
    } else {
      w.field_null("time");
    }
    if (e.previous_boot) {
      w.field_null("age_s");
    } else {
      w.field_int("age_s", (now_mono_us - e.mono_us) / 1'000'000);
    }
    w.field_bool("previous_boot", e.previous_boot);
    w.field("check", e.check_id.view());
    w.field("from", e.first ? std::string_view("none") : outcome_name(e.from));
    w.field("to", outcome_name(e.to));
    w.field_bool("maintenance", e.maintenance);
    w.field_int("confirmations", e.confirmations);
    w.field("summary", e.summary.view());
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace probebox
