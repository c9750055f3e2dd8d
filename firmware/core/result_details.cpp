#include "core/result_details.h"

#include "core/civil_time.h"
#include "core/view.h"

namespace probebox {
namespace {

void int_or_null(JsonWriter& w, std::string_view key, bool known, int64_t v) {
  if (known) w.field_int(key, v);
  else w.field_null(key);
}

void tri_field(JsonWriter& w, std::string_view key, Tri t) {
  if (t == Tri::kNull) w.field_null(key);
  else w.field_bool(key, t == Tri::kTrue);
}

// The items of a `sep`-separated list, as strings.
void list(JsonWriter& w, std::string_view key, std::string_view items, char sep) {
  w.key(key).begin_array();
  while (!items.empty()) {
    size_t at = items.find(sep);
    w.string(first(items, at));
    items = at == std::string_view::npos ? std::string_view() : after(items, at + 1);
  }
  w.end_array();
}

void write_tcp(JsonWriter& w, const TcpDetails& d) {
  w.begin_object().field("state", port_state_name(d.state));
  if (d.has_icmp) w.field_int("icmp", d.icmp_code);
}

void write_dns(JsonWriter& w, const DetailsView& all, const DnsDetails& d) {
  w.begin_object();
  if (d.rcode != nullptr) w.field("rcode", d.rcode);
  else w.field_null("rcode");
  list(w, "addresses", all.text(d.addresses), '\n');
  int_or_null(w, "ttl", d.rcode != nullptr && d.address_count > 0, d.ttl);
  if (d.cname.len > 0) w.field("cname", all.text(d.cname));
}

void write_http(JsonWriter& w, const DetailsView& all, const HttpDetails& d) {
  w.begin_object();
  int_or_null(w, "http_status", d.has_status, d.status);
  tri_field(w, "body_match", d.body_match);
  if (d.location.len > 0) w.field("location", all.text(d.location));
  if (d.location.len > 0 && d.location_cut) w.field_bool("location_truncated", true);
  if (d.full) {
    if (d.testall) list(w, "services_down", all.text(d.services_down), ',');
    if (d.answered_by.len > 0) list(w, "answered_by", all.text(d.answered_by), ',');
    if (d.samples > 1) w.key("samples").integer(d.samples);
    int_or_null(w, "server_date_skew_s", d.has_skew, d.skew_s);
  }
}

void write_smtp(JsonWriter& w, const DetailsView& all, const SmtpDetails& d) {
  w.begin_object().field("banner", all.text(d.banner)).field_bool("starttls", d.starttls);
  if (d.starttls) w.field("tls_version", d.tls13 ? "1.3" : "1.2").field_bool("tls_resumed", d.tls_resumed);
  list(w, "auth_mechanisms", all.text(d.mechanisms), ' ');
  w.field_bool("auth_plain", d.auth_plain);
  tri_field(w, "auth_ok", d.auth_ok);
  int_or_null(w, "tls_days_left", d.tls_dated, d.tls_days_left);
  tri_field(w, "tls_trusted", d.tls_trusted);
  if (d.tls_trusted == Tri::kNull) w.field_null("tls_subject");
  else w.field("tls_subject", all.text(d.tls_subject));
}

void write_ntp(JsonWriter& w, const NtpDetails& d) {
  w.begin_object();
  if (d.measured) {
    w.key("offset_ms").number(static_cast<double>(d.offset_us) / 1000.0, 1);
    w.key("rtt_ms").number(static_cast<double>(d.rtt_us) / 1000.0, 1);
  } else {
    w.field_null("offset_ms").field_null("rtt_ms");
  }
  int_or_null(w, "stratum", d.has_stratum, d.stratum);
  if (d.kiss) w.field("kiss_code", std::string_view(d.kiss_code));
}

void write_tls_cert(JsonWriter& w, const DetailsView& all, const TlsCertDetails& d) {
  size_t start = w.written();
  w.begin_object();
  const char* version = d.tls_version != nullptr ? d.tls_version : "";
  if (!d.examined) {
    w.field_null("days_left").field_null("chain_complete");
    if (d.too_big) {
      w.field_int("chain_bytes", d.chain_bytes).field_int("chain_limit_bytes", d.chain_limit_bytes);
      w.field("tls_version", version);
    }
    // A server that refused TLS 1.2 and 1.3 but speaks a legacy version says which.
    if (d.legacy_tls != 0 && (d.legacy_tls & kLegacyTlsUnknown) == 0) {
      w.key("legacy_tls").begin_array();
      if ((d.legacy_tls & kLegacyTls10) != 0) w.string("1.0");
      if ((d.legacy_tls & kLegacyTls11) != 0) w.string("1.1");
      w.end_array();
    }
    return;
  }
  int_or_null(w, "days_left", d.dated, d.days_left);
  FixedText<24> when;
  append_iso8601(when, d.not_after);
  w.field("not_after", when.view());
  w.field("subject", all.text(d.subject)).field("issuer", all.text(d.issuer));
  w.field_bool("chain_complete", d.chain_complete);
  tri_field(w, "trusted", d.trusted);
  if (d.trusted_by != nullptr) w.field("trusted_by", d.trusted_by);
  else w.field_null("trusted_by");
  w.field("key_type", all.text(d.key_type)).field_int("key_bits", d.key_bits).field("sig_alg", all.text(d.sig_alg));
  w.field("sha256", all.text(d.sha256));
  w.field("tls_version", version);
  when.clear();
  append_iso8601(when, d.chain_not_after);
  w.field("chain_not_after", when.view());
  w.field_bool("chain_in_order", d.chain_in_order).field_bool("self_signed", d.self_signed);
  w.field_bool("weak_sig_in_chain", d.weak_sig_in_chain);
  // The legacy versions the server accepts, as the latest legacy-protocol look found
  // them (it runs every few cycles; carried in between); null until one has run.
  if ((d.legacy_tls & kLegacyTlsUnknown) != 0) {
    w.field_null("legacy_tls");
  } else {
    w.key("legacy_tls").begin_array();
    if ((d.legacy_tls & kLegacyTls10) != 0) w.string("1.0");
    if ((d.legacy_tls & kLegacyTls11) != 0) w.string("1.1");
    w.end_array();
  }
  list(w, "missing_names", all.text(d.missing_names), '\n');
  // The SANs, while the object stays within its budget with room to close it.
  w.key("sans").begin_array();
  bool cut = false;
  std::string_view sans = all.text(d.sans);
  while (!sans.empty()) {
    size_t nl = sans.find('\n');
    std::string_view item = first(sans, nl);
    if (w.written() - start + item.size() + 64 > kDetailsBudgetChars) {
      cut = true;
      break;
    }
    w.string(item);
    sans = nl == std::string_view::npos ? std::string_view() : after(sans, nl + 1);
  }
  w.end_array();
  // SANs the pool could not keep are cut too (the budget would have cut them first).
  if (cut || d.sans_truncated || all.text_cut()) w.field_bool("sans_truncated", true);
  // The chain's verification and summary came from the verified-chain cache: a key
  // of our own beyond spec/checks.md (docs/checks.md), within the room kept above.
  w.field_bool("chain_cached", d.chain_cached);
}

}  // namespace

void write_result_details(JsonWriter& w, const DetailsView& d) {
  switch (d.kind()) {
    case DetailKind::kTcp: write_tcp(w, *d.tcp()); break;
    case DetailKind::kDns: write_dns(w, d, *d.dns()); break;
    case DetailKind::kHttp: write_http(w, d, *d.http()); break;
    case DetailKind::kTlsCert: write_tls_cert(w, d, *d.tls_cert()); break;
    case DetailKind::kSmtp: write_smtp(w, d, *d.smtp()); break;
    case DetailKind::kNtp: write_ntp(w, *d.ntp()); break;
    case DetailKind::kNone: w.begin_object(); break;
  }
  // The check's record could not keep every fact of this result (the shared pool
  // was full): what is missing is said, never silently dropped.
  if (d.truncated()) w.field_bool("details_truncated", true);
  w.end_object();
}

void write_result_details(JsonWriter& w, const ProbeResult& r) { write_result_details(w, r.details.view()); }

}  // namespace probebox
