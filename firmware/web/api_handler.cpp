#include "web/api_handler.h"

#include "config/config_view.h"
#include "core/json_writer.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "net/tls_memory.h"
#include "web/events_document.h"
#include "web/metrics_document.h"
#include "web/status_document.h"

namespace probebox {

void ApiHandler::handle(const HttpRequest& request, HttpResponse& response) {
  bool get = request.method == "GET";
  if (request.path == "/api/status") {
    if (!get) {
      response.status = 405;
      response.body.assign("{\"error\":\"method not allowed\"}");
      return;
    }
    write_status_document(response.body, config_, health_, DocumentKind::kStatus, clock_.now());
  } else if (request.path == "/api/config" && get) {
    if (!write_masked_config(config_text_.view(), response.body).ok()) {
      response.status = 500;
      response.body.assign("{\"error\":\"stored config cannot be shown\"}");
    }
  } else if (request.path == "/api/events" && get) {
    write_events_document(response.body, health_.events(), clock_.now(), EventLog::kCapacity);
  } else if (request.path == "/metrics" && get) {
    response.content_type = "text/plain; version=0.0.4";
    write_metrics(response.body, config_, health_, clock_.now() - started_at_);
  } else if (request.path == "/api/diagnostics" && get) {
    // What a soak or an engineer needs to see that nothing grows: pools, arena, steps.
    JsonWriter w(response.body);
    w.begin_object();
    w.key("uptime_s").integer((clock_.now() - started_at_) / 1'000'000);
    if (scheduler_ != nullptr) {
      w.key("probes_run").integer(static_cast<int64_t>(scheduler_->probes_run()));
      w.field_int("in_flight", scheduler_->in_flight()).field_int("max_in_flight", scheduler_->max_in_flight_seen());
      w.key("longest_step_us").integer(scheduler_->longest_step_us());
    }
    w.field_int("events_total", health_.events().total());
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
    net::TlsMemoryStats tls = net::tls_memory_stats();
    w.key("tls_arena").begin_object().field_int("used", static_cast<int64_t>(tls.in_use))
        .field_int("max", static_cast<int64_t>(tls.high_water)).field_int("avail", static_cast<int64_t>(tls.arena_bytes))
        .end_object();
    w.end_object();
  } else if (request.path == "/healthz") {
    response.content_type = "text/plain";
    response.body.assign("ok\n");
  } else {
    response.status = 404;
    response.body.assign("{\"error\":\"not found\"}");
  }
}

}  // namespace probebox
