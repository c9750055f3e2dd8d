// GET /metrics in the Prometheus text format (0.0.4): the names blackbox_exporter
// users already alert on (probe_success, probe_duration_seconds,
// probe_ssl_earliest_cert_expiry, probe_dns_lookup_time_seconds,
// probe_http_status_code) with check/type/group labels, plus probebox's own.
#pragma once
#include "config/config_model.h"
#include "monitor/health_model.h"
#include "core/text.h"

namespace probebox {

void write_metrics(TextBuffer& out, const Config& config, const HealthModel& health, int64_t uptime_us);

}  // namespace probebox
