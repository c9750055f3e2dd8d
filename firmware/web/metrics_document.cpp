#include "web/metrics_document.h"

namespace probebox {
namespace {

// Label values escape backslash, double quote and newline (exposition format).
void label_value(TextBuffer& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out.append('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.append(c);
  }
}

// `extra`: more labels, already written (",version=\"TLS 1.3\"").
void labels(TextBuffer& out, const Config& config, const CheckConfig& c, std::string_view extra = {}) {
  out.append("{check=\"");
  label_value(out, config.text(c.id));
  out.append("\",type=\"");
  out.append(check_type_name(c.type));
  out.append("\",group=\"");
  out.append(group_name(c.group));
  out.append('"');
  out.append(extra);
  out.append('}');
}

void header(TextBuffer& out, const char* name, const char* type, const char* help) {
  out.appendf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int state_value(Outcome o) {
  switch (o) {
    case Outcome::kOk: return 0;
    case Outcome::kWarning: return 1;
    case Outcome::kCritical: return 2;
    case Outcome::kUnknown: return 3;
  }
  return 3;
}

}  // namespace

void write_metrics(TextBuffer& out, const Config& config, const HealthModel& health, int64_t uptime_us) {
  auto each = [&](auto&& want, auto&& value) {
    for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
      const CheckHealth& h = health.check(i);
      if (!h.has_result || !want(config.checks[i], h)) continue;
      if (!out.next_part()) continue;  // a streamed slice renders only its own lines
      value(config.checks[i], h);
    }
  };
  header(out, "probe_success", "gauge", "Whether the latest probe succeeded (ok or warning).");
  each([](const CheckConfig&, const CheckHealth&) { return true; }, [&](const CheckConfig& c, const CheckHealth& h) {
    out.append("probe_success");
    labels(out, config, c);
    out.append(h.last.outcome == Outcome::kOk || h.last.outcome == Outcome::kWarning ? " 1\n" : " 0\n");
  });
  header(out, "probe_duration_seconds", "gauge", "How long the latest probe took.");
  each([](const CheckConfig&, const CheckHealth&) { return true; }, [&](const CheckConfig& c, const CheckHealth& h) {
    out.append("probe_duration_seconds");
    labels(out, config, c);
    out.append(' ');
    out.append_fixed(static_cast<double>(h.last.latency_us) / 1e6, 6);
    out.append('\n');
  });
  // blackbox_exporter's meanings: the earliest notAfter of every certificate the
  // server sent; of the chain that verified (to the anchors, the anchor included);
  // the TLS version spoken.
  auto examined = [](const CheckConfig&, const CheckHealth& h) {
    const TlsCertDetails* d = h.last.details().tls_cert();
    return d != nullptr && d->examined;
  };
  header(out, "probe_ssl_earliest_cert_expiry", "gauge",
         "Earliest notAfter of the certificates the server sent, Unix seconds.");
  each(examined, [&](const CheckConfig& c, const CheckHealth& h) {
    out.append("probe_ssl_earliest_cert_expiry");
    labels(out, config, c);
    out.append(' ');
    out.append_int(h.last.details().tls_cert()->chain_not_after);
    out.append('\n');
  });
  header(out, "probe_ssl_last_chain_expiry_timestamp_seconds", "gauge",
         "Earliest notAfter of the verified chain, trust anchor included, Unix seconds.");
  each([](const CheckConfig&, const CheckHealth& h) {
         const TlsCertDetails* d = h.last.details().tls_cert();
         return d != nullptr && d->examined && d->verified_chain_not_after != 0;
       },
       [&](const CheckConfig& c, const CheckHealth& h) {
         out.append("probe_ssl_last_chain_expiry_timestamp_seconds");
         labels(out, config, c);
         out.append(' ');
         out.append_int(h.last.details().tls_cert()->verified_chain_not_after);
         out.append('\n');
       });
  header(out, "probe_tls_version_info", "gauge", "The TLS version the server spoke, as a label.");
  each([](const CheckConfig&, const CheckHealth& h) {
         const TlsCertDetails* d = h.last.details().tls_cert();
         return d != nullptr && d->tls_version != nullptr && d->tls_version[0] != '\0';
       },
       [&](const CheckConfig& c, const CheckHealth& h) {
         FixedText<24> version;
         version.appendf(",version=\"TLS %s\"", h.last.details().tls_cert()->tls_version);
         out.append("probe_tls_version_info");
         labels(out, config, c, version.view());
         out.append(" 1\n");
       });
  header(out, "probe_dns_lookup_time_seconds", "gauge", "Time of the latest DNS query.");
  each([](const CheckConfig&, const CheckHealth& h) { return h.last.dns_lookup_us >= 0; },
       [&](const CheckConfig& c, const CheckHealth& h) {
         out.append("probe_dns_lookup_time_seconds");
         labels(out, config, c);
         out.append(' ');
         out.append_fixed(static_cast<double>(h.last.dns_lookup_us) / 1e6, 6);
         out.append('\n');
       });
  header(out, "probe_http_status_code", "gauge", "HTTP status of the latest response.");
  each([](const CheckConfig&, const CheckHealth& h) { return h.last.http_status != 0; },
       [&](const CheckConfig& c, const CheckHealth& h) {
         out.append("probe_http_status_code");
         labels(out, config, c);
         out.appendf(" %d\n", h.last.http_status);
       });
  header(out, "probebox_check_state", "gauge", "Hard state: 0 ok, 1 warning, 2 critical, 3 unknown.");
  each([](const CheckConfig&, const CheckHealth&) { return true; }, [&](const CheckConfig& c, const CheckHealth& h) {
    out.append("probebox_check_state");
    labels(out, config, c);
    out.appendf(" %d\n", state_value(h.hard));
  });
  // In the base unit (promtool's lint rejects "days"): the check's whole days_left,
  // as seconds, so it matches the days the summary and the panel show.
  header(out, "probebox_cert_remaining_seconds", "gauge",
         "Whole days until the served certificate expires (days_left), in seconds.");
  each([](const CheckConfig&, const CheckHealth& h) { return h.last.has_days_left; },
       [&](const CheckConfig& c, const CheckHealth& h) {
         out.append("probebox_cert_remaining_seconds");
         labels(out, config, c);
         out.append(' ');
         out.append_int(static_cast<int64_t>(h.last.days_left) * 86400);
         out.append('\n');
       });
  header(out, "probebox_ntp_offset_seconds", "gauge", "Clock offset measured by the latest SNTP query.");
  each([](const CheckConfig&, const CheckHealth& h) { return h.last.has_ntp_offset; },
       [&](const CheckConfig& c, const CheckHealth& h) {
         out.append("probebox_ntp_offset_seconds");
         labels(out, config, c);
         out.append(' ');
         out.append_fixed(static_cast<double>(h.last.ntp_offset_us) / 1e6, 6);
         out.append('\n');
       });
  header(out, "probebox_overall_state", "gauge", "Worst hard state outside maintenance.");
  out.appendf("probebox_overall_state %d\n", state_value(health.overall()));
  header(out, "probebox_events_total", "counter", "Hard-state changes since boot.");
  out.appendf("probebox_events_total %lu\n", static_cast<unsigned long>(health.events().total()));
  header(out, "probebox_uptime_seconds", "gauge", "Time since the firmware started.");
  out.append("probebox_uptime_seconds ");
  out.append_int(uptime_us / 1'000'000);
  out.append('\n');
}

}  // namespace probebox
