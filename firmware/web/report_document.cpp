#include "web/report_document.h"

#include "core/json_writer.h"
#include "core/view.h"
#include "web/events_document.h"
#include "web/status_document.h"

namespace probebox {
namespace {

struct RowSpec {
  RowKey key;
  const char* id;
  const char* requirement;
  const char* source;
  const char* not_checkable;  // nullptr: the box checks it
};

// In the documentation's order (appliance-requirements A6, A6, A5, A3, A1/A7, A3, A4).
constexpr RowSpec kRows[kRequirementRows] = {
    {RowKey::kCertNames, "cert.names", "Certificate: carries every required name (dashboard, RTA, webtask, app tenants)",
     "A6", nullptr},
    {RowKey::kCertChain, "cert.chain", "Certificate: the full chain is served (every intermediate)", "A6", nullptr},
    {RowKey::kCertPublicCa, "cert.public_ca", "Certificate: issued by a public CA, not self-signed", "A6", nullptr},
    {RowKey::kCertRsa, "cert.rsa", "Certificate: an RSA key (2048 bits or more)", "A6", nullptr},
    {RowKey::kCertExpiry, "cert.expiry", "Certificate: valid, and not within the expiry notice period", "A6", nullptr},
    {RowKey::kCertUnique, "cert.unique", "Certificate: unique per environment, one certificate on the load balancer and every node",
     "A4, A6", nullptr},
    {RowKey::kHttpsOnly, "https_only", "HTTPS only: plain HTTP redirects to https:// on the same name, or is closed", "A6",
     nullptr},
    {RowKey::kDnsRecords, "dns.records", "DNS: every name resolves to the load balancer (single node: the node)", "A5",
     nullptr},
    {RowKey::kDnsPlan, "dns.plan", "DNS plan: names of 3+ characters, no underscores, no reserved tenant names, one parent domain, 3+ nodes for a cluster",
     "A5", nullptr},
    {RowKey::kMeshPorts, "ports.nodes", "Ports: every node accepts 7777, 27017, 8721 and 8701", "A3", nullptr},
    {RowKey::kLbPort, "ports.lb", "Ports: the load balancer accepts 443", "A3", nullptr},
    {RowKey::kPortsBetweenNodes, "ports.between_nodes", "Ports: the nodes reach each other and the load balancer on 443",
     "A3",
     "node-to-node reachability: the box reaches each node from its own address, not from the other nodes "
     "(the nodes' own /health/status/network says it)"},
    {RowKey::kNodesHealthy, "health.nodes", "Health: /testall on every node answers 200 OK (and the authenticated endpoints 204)",
     "A1, A2", nullptr},
    {RowKey::kLbHealthChecks, "lb.health_checks", "Load balancer: health-checks /testall and keeps users off a failed node",
     "A1, A7", nullptr},
    {RowKey::kLbForwarding, "lb.forwarding", "Load balancer: X-Forwarded-For, Connection: Upgrade (websockets) or the proxy protocol",
     "A7",
     "X-Forwarded-For, websocket upgrades and the proxy protocol are seen only by the appliance behind the load "
     "balancer, not by a client"},
    {RowKey::kSmtp, "smtp", "SMTP: the relay offers STARTTLS and accepts AUTH PLAIN", "A3", nullptr},
    {RowKey::kTime, "time", "Time: NTP servers answer with a good offset, and the box's own clock is synchronised", "A3",
     nullptr},
    {RowKey::kEgress, "egress", "Egress: the Auth0 hosts are reachable on 443 with their real certificates (no intercepting proxy)",
     "A3", nullptr},
    {RowKey::kIsolation, "isolation", "Isolation: the other environment (dev/test) does not answer from this network", "A4",
     nullptr},
    {RowKey::kSingleNic, "isolation.single_nic", "Network: each node deployed with a single NIC", "A4",
     "the single NIC: how many interfaces a node's VM has is not visible from the network"},
};

bool same_hex(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'F' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'F' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

bool appliance_certificate(const CheckConfig& c) {
  return c.type == CheckType::kTlsCert && c.group == Group::kCert && !c.trust_only;
}

bool is_cert_row(RowKey k) { return k <= RowKey::kCertUnique; }

bool has_result(const HealthModel& health, uint16_t i) { return i < health.check_count() && health.check(i).has_result; }

std::string_view fingerprint(const Config& config, const HealthModel& health, std::string_view id) {
  for (uint16_t j = 0; j < config.check_count && j < health.check_count(); ++j) {
    if (config.text(config.checks[j].id) == id) {
      return health.check(j).has_result ? health.check(j).last.details().cert_sha256() : std::string_view();
    }
  }
  return {};
}

// The other environment is named (a fingerprint typed in, or a check of its own).
bool names_other_environment(const Config& config) {
  for (uint16_t i = 0; i < config.check_count; ++i) {
    const CheckConfig& c = config.checks[i];
    if (appliance_certificate(c) && (c.distinct_from.count > 0 || c.distinct_from_sha256.count > 0)) return true;
  }
  return false;
}

bool profile_lint_clean(const Config& config, bool& has_profile) {
  has_profile = false;
  for (uint16_t i = 0; i < config.check_count; ++i) has_profile = has_profile || config.checks[i].generated;
  for (uint16_t w = 0; w < config.warning_count; ++w) {
    std::string_view path = config.warning_path(w);
    if (first(path, 10) == "appliance.") return false;
  }
  return true;
}

bool cert_fact(RowKey key, const Config& config, const HealthModel& health, uint16_t i, TextBuffer& ev) {
  const CheckConfig& c = config.checks[i];
  const StoredResult& r = health.check(i).last;
  const DetailsView det = r.details();
  const TlsCertDetails* d = det.tls_cert();
  if (d == nullptr || !d->examined) {
    ev.append("no certificate examined: ");
    ev.append(r.summary());
    return false;
  }
  switch (key) {
    case RowKey::kCertNames: {
      std::string_view missing = det.text(d->missing_names);
      if (missing.empty()) {
        ev.append("every required name present");
        return true;
      }
      ev.append("missing: ");
      for (char ch : missing) ev.append(ch == '\n' ? ',' : ch);
      return false;
    }
    case RowKey::kCertChain:
      ev.append(d->chain_complete ? "full chain served" : "an intermediate is missing");
      return d->chain_complete;
    case RowKey::kCertPublicCa:
      ev.append("issuer ");
      ev.append(det.text(d->issuer));
      if (d->trusted == Tri::kTrue) return true;
      ev.append(d->trusted == Tri::kFalse ? ": does not verify to the trust anchors" : ": no trust anchors to judge by");
      return false;
    case RowKey::kCertRsa: {
      std::string_view type = det.text(d->key_type);
      // Appended as a view, not through %.*s: an empty view's data() may be null.
      ev.append(type);
      ev.appendf(" %u-bit key", static_cast<unsigned>(d->key_bits));
      return type == "RSA" && d->key_bits >= 2048;
    }
    case RowKey::kCertExpiry:
      if (!d->dated) {
        ev.append("box clock not synchronised: expiry unknown");
        return false;
      }
      ev.appendf("%d days left (notice at %d)", static_cast<int>(d->days_left), static_cast<int>(c.tune.cert_warn_days));
      return d->days_left > c.tune.cert_warn_days;
    case RowKey::kCertUnique: {
      std::string_view mine = det.cert_sha256();
      ev.appendf("sha256 %.*s", static_cast<int>(mine.size() < 16 ? mine.size() : 16), mine.data());
      for (uint16_t k = 0; k < c.distinct_from_sha256.count; ++k) {
        if (same_hex(config.text(config.list_item(c.distinct_from_sha256, k)), mine)) {
          ev.append(": the other environment's certificate");
          return false;
        }
      }
      for (uint16_t k = 0; k < c.distinct_from.count; ++k) {
        std::string_view other = config.text(config.list_item(c.distinct_from, k));
        if (same_hex(fingerprint(config, health, other), mine)) {
          ev.append(": the same as ");
          ev.append(other);
          return false;
        }
      }
      for (uint16_t k = 0; k < c.same_cert_as.count; ++k) {
        std::string_view other = config.text(config.list_item(c.same_cert_as, k));
        std::string_view theirs = fingerprint(config, health, other);
        if (!theirs.empty() && !same_hex(theirs, mine)) {
          ev.append(": differs from ");
          ev.append(other);
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

const char* row_verdict_name(RowVerdict v) {
  switch (v) {
    case RowVerdict::kMet: return "met";
    case RowVerdict::kNotMet: return "not met";
    case RowVerdict::kNotCheckable: return "not checkable from this box";
  }
  return "not met";
}

bool guards_row(RowKey key, const Config& config, uint16_t i) {
  const CheckConfig& c = config.checks[i];
  const bool testall_like = c.type == CheckType::kHttp && !c.expect_https_redirect;
  switch (key) {
    case RowKey::kCertNames:
    case RowKey::kCertChain:
    case RowKey::kCertPublicCa:
    case RowKey::kCertRsa:
    case RowKey::kCertExpiry:
    case RowKey::kCertUnique: return appliance_certificate(c);
    case RowKey::kHttpsOnly: return c.type == CheckType::kHttp && c.expect_https_redirect;
    case RowKey::kDnsRecords: return c.type == CheckType::kDns;
    case RowKey::kMeshPorts:
      return c.type == CheckType::kTcp && c.group == Group::kPorts && c.role != CheckRole::kLbPort;
    case RowKey::kLbPort: return c.role == CheckRole::kLbPort;
    case RowKey::kNodesHealthy: return testall_like && c.role != CheckRole::kLbTestall;
    case RowKey::kLbHealthChecks: return c.role == CheckRole::kLbTestall;
    case RowKey::kSmtp: return c.type == CheckType::kSmtp;
    case RowKey::kTime: return c.type == CheckType::kNtp;
    case RowKey::kEgress: return c.group == Group::kEgress;
    case RowKey::kIsolation: return c.group == Group::kIsolation;
    case RowKey::kDnsPlan:
    case RowKey::kPortsBetweenNodes:
    case RowKey::kLbForwarding:
    case RowKey::kSingleNic: return false;
  }
  return false;
}

bool row_fact_holds(RowKey key, const Config& config, const HealthModel& health, uint16_t i, TextBuffer& ev) {
  ev.clear();
  if (!has_result(health, i)) {
    ev.append("no result yet");
    return false;
  }
  if (is_cert_row(key)) return cert_fact(key, config, health, i, ev);
  const CheckHealth& h = health.check(i);
  ev.append(h.last.summary());
  return h.hard == Outcome::kOk;
}

// One row's verdict (judge_requirements' body; the writer calls it per row it shows).
static RequirementRow judge_row(int k, const Config& config, const HealthModel& health, bool clock_valid, bool other_env) {
  const RowSpec& spec = kRows[k];
  RequirementRow row{spec.key, spec.id, spec.requirement, spec.source};
  if (spec.not_checkable != nullptr) {
    row.verdict = RowVerdict::kNotCheckable;
    row.why = spec.not_checkable;
    return row;
  }
  if (spec.key == RowKey::kCertUnique && !other_env) {
    row.verdict = RowVerdict::kNotCheckable;
    row.why = "the other environment's certificate: this box cannot reach that network and no fingerprint is given "
              "(appliance.other_environment.cert_sha256)";
    return row;
  }
  FixedText<160> scratch;
  for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
    if (!guards_row(spec.key, config, i)) continue;
    ++row.guards;
    if (!row_fact_holds(spec.key, config, health, i, scratch)) ++row.failing;
  }
  bool met = row.guards > 0 && row.failing == 0;
  if (spec.key == RowKey::kDnsPlan) {
    bool has_profile = false;
    met = profile_lint_clean(config, has_profile) && has_profile;
    row.why = !has_profile ? "no appliance profile: the plan is not linted"
              : met        ? ""
                           : "the plan breaks a documented rule (see the warnings)";
  } else if (row.guards == 0) {
    row.why = "no check guards it in this config";
  } else if (spec.key == RowKey::kTime && met && !clock_valid) {
    met = false;
    row.why = "the box's own clock is not synchronised (network.ntp)";
  }
  row.verdict = met ? RowVerdict::kMet : RowVerdict::kNotMet;
  return row;
}

bool judge_requirements(const Config& config, const HealthModel& health, bool clock_valid,
                        std::array<RequirementRow, kRequirementRows>& rows) {
  bool all_met = true;
  const bool other_env = names_other_environment(config);
  for (int k = 0; k < kRequirementRows; ++k) {
    rows[k] = judge_row(k, config, health, clock_valid, other_env);
    if (rows[k].verdict == RowVerdict::kNotMet) all_met = false;
  }
  return all_met;
}

void write_report_document(TextBuffer& out, const Config& config, const HealthModel& health, hal::WallTime wall,
                           int64_t now_mono_us) {
  // Streamed in slices (web/http_server), this runs once per slice: each row's head
  // and the closing verdict are parts of their own, so a slice judges only the rows
  // it shows, and only the last judges them all. A document costs about one
  // judgement, not one per slice.
  const bool other_env = names_other_environment(config);
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
  w.key("requirements").begin_array();
  for (int k = 0; k < kRequirementRows; ++k) {
    // Past the window (or before the resumed part) the head is not written: no
    // judgement for it. The structure is still walked so the separators stay right.
    const RequirementRow row = out.next_part() ? judge_row(k, config, health, wall.valid, other_env)
                                               : RequirementRow{kRows[k].key, kRows[k].id, "", ""};
    w.begin_object();
    w.field("id", row.id).field("requirement", row.requirement).field("source", row.source);
    w.field("verdict", row_verdict_name(row.verdict));
    w.field("state", row.verdict == RowVerdict::kMet      ? "ok"
                     : row.verdict == RowVerdict::kNotMet ? "critical"
                                                          : "unknown");
    w.field("why", row.why);
    w.key("checks").begin_array();
    FixedText<160> evidence;
    for (uint16_t i = 0; i < config.check_count && i < health.check_count(); ++i) {
      if (!guards_row(row.key, config, i)) continue;
      if (!w.next_part()) continue;  // a streamed slice renders only its own checks
      const CheckConfig& c = config.checks[i];
      const CheckHealth& h = health.check(i);
      const bool holds = row_fact_holds(row.key, config, health, i, evidence);
      FixedText<300> target;
      write_check_target(target, config, c);
      w.begin_object();
      w.field("id", config.text(c.id)).field("type", check_type_name(c.type)).field("target", target.view());
      w.field_bool("holds", holds);
      w.field("hard", h.has_result ? outcome_name(h.hard) : std::string_view("unknown"));
      w.key("hard_for_s").integer(h.has_result ? (now_mono_us - h.hard_since_mono_us) / 1'000'000 : 0);
      w.field("evidence", evidence.view());
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  if (!out.next_part()) return;  // the verdict lies past this slice's window
  std::array<RequirementRow, kRequirementRows> rows;
  const bool all_met = judge_requirements(config, health, wall.valid, rows);
  w.field_bool("all_met", all_met);
  if (all_met && wall.valid) {
    FixedText<48> stamp("all met at ");
    append_iso8601(stamp, wall.unix_micros / 1'000'000);
    w.field("statement", stamp.view());
  } else {
    w.field("statement", all_met ? "all met (the box has no synchronised time to stamp it)" : "not all met");
  }
  write_config_warnings(w, config);
  w.end_object();
}

}  // namespace probebox
