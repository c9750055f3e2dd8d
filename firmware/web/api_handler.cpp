#include "web/api_handler.h"

#include "config/config_view.h"
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
  } else if (request.path == "/healthz") {
    response.content_type = "text/plain";
    response.body.assign("ok\n");
  } else {
    response.status = 404;
    response.body.assign("{\"error\":\"not found\"}");
  }
}

}  // namespace probebox
