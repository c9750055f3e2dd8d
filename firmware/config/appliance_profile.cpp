#include "config/appliance_profile.h"

#include <cstring>

#include "config/config_parser.h"
#include "core/text.h"
#include "core/view.h"

namespace probebox {
namespace {

constexpr std::string_view kReservedAppTenantNames[] = {
    "login", "admin", "app", "manage", "blog", "ftp", "mail", "pop", "pop3", "imap", "smtp",
    "stage", "stats", "status", "dev", "logs", "www", "docs", "sdk", "ci", "docker",
    "styleguide", "ask", "it", "cdn", "api", "releases", "release", "spf", "feedback", "help",
    "support", "int"};

// The authenticated health endpoints, every one the appliance documents (A2).
constexpr std::string_view kHealthEndpoints[] = {"services", "disk",    "memory",   "db",
                                                 "network",  "replicaset", "internet", "email"};
// Where the appliance must reach on the internet (A3), on 443, when `egress` is absent.
constexpr std::string_view kDefaultEgress[] = {"cdn.auth0.com", "apt-mirror.it.auth0.com", "docker.it.auth0.com",
                                               "app-gateway.it.auth0.com"};
constexpr std::string_view kDefaultMeshPorts[] = {"7777", "27017", "8721", "8701"};
constexpr std::string_view kDefaultPrefix = "appliance";
constexpr size_t kMaxIdLength = 32;

std::string_view first_label(std::string_view host) { return first(host, host.find('.')); }

std::string_view parent_domain(std::string_view host) {
  size_t dot = host.find('.');
  return dot == std::string_view::npos ? std::string_view() : after(host, dot + 1);
}

// Lower-case [a-z0-9-] from a label, for use inside a check id.
void append_id_part(TextBuffer& id, std::string_view part) {
  for (char ch : part) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    id.append(ok ? ch : '-');
  }
}

uint16_t decimal_port(std::string_view text) {
  uint32_t port = 0;
  for (char ch : text) port = port * 10 + static_cast<uint32_t>(ch - '0');
  return static_cast<uint16_t>(port);
}

class Expander {
 public:
  Expander(const ApplianceProfile& p, Config& c, ConfigErrors& e) : p_(p), c_(c), e_(e) {}

  void run();

 private:
  // A new generated check named <prefix>.<what>[.<detail>][-<index+1>], or nullptr
  // (an explicit check has that id: it overrides; or the config is full).
  CheckConfig* add(CheckType type, std::string_view what, std::string_view detail, int index = -1);
  bool intern(std::string_view s, TextRef& out) {
    if (c_.intern(s, out)) return true;
    e_.add("appliance", "config too large after expansion");
    return false;
  }
  // The check's URL for `host` on `port`, the port left out when it is the
  // scheme's own, split at once like a typed-in one (split_check_url).
  bool url(CheckConfig& check, bool https, std::string_view host, uint16_t port, std::string_view path);
  void warn(std::string_view path, std::string_view message);
  void lint_dns_plan();
  // Every required name, in the table's order: dashboard, RTA, webtask, app tenants.
  template <typename Fn>
  void each_name(Fn fn) {
    if (!p_.dashboard.empty()) fn(p_.dashboard);
    if (!p_.root_tenant_authority.empty()) fn(p_.root_tenant_authority);
    if (!p_.webtask.empty()) fn(p_.webtask);
    for (uint16_t i = 0; i < p_.app_tenants.count; ++i) fn(c_.list_item(p_.app_tenants, i));
  }
  std::string_view node_name(uint16_t n, TextBuffer& out, std::string_view base = "node") {
    out.clear();
    out.append(base);
    out.appendf("%u", static_cast<unsigned>(n + 1));
    return out.view();
  }
  bool build_shared_lists();
  void certificates();
  void certificate(TextRef host, std::string_view where, TextRef name);
  void https_only();
  void dns();
  void ports();
  void health();
  void own_view();
  void smtp();
  void time();
  void egress();
  void isolation();

  const ApplianceProfile& p_;
  Config& c_;
  ConfigErrors& e_;
  std::string_view prefix_;
  ListRef all_names_{};         // the names every certificate must carry
  ListRef expect_addresses_{};  // what the names must resolve to (none when unknown)
  ListRef mesh_{};              // the mesh ports, as decimal text
};

void Expander::warn(std::string_view path, std::string_view message) {
  if (c_.warning_count >= Config::kMaxWarnings) return;
  // The texts go to the arena; a config that fills it is an error anyway.
  ConfigWarning w;
  if (!c_.intern(path, w.path) || !c_.intern(message, w.message)) {
    e_.add(path, "config too large");
    return;
  }
  c_.warnings[c_.warning_count++] = w;
}

CheckConfig* Expander::add(CheckType type, std::string_view what, std::string_view detail, int index) {
  FixedText<96> id;
  append_id_part(id, prefix_);
  id.append('.');
  id.append(what);
  if (!detail.empty()) {
    id.append('.');
    append_id_part(id, detail);
  }
  if (index >= 0) id.appendf("-%d", index + 1);
  id.truncate(kMaxIdLength);
  const CheckConfig* existing = c_.find_check(id.view());
  if (existing != nullptr && !existing->generated) return nullptr;  // the explicit check overrides
  // Another generated check has this id (truncated, or two names with one first
  // label): this one gets the first free "-N".
  for (int n = 2; existing != nullptr && n < 100; ++n) {
    FixedText<8> suffix;
    suffix.appendf("-%d", n);
    FixedText<96> unique(id);
    unique.truncate(kMaxIdLength - suffix.size());
    unique.append(suffix.view());
    existing = c_.find_check(unique.view());
    if (existing == nullptr) id = unique;
  }
  if (existing != nullptr) {
    e_.add("appliance", "too many checks with one id after expansion");
    return nullptr;
  }
  if (c_.check_count >= Config::kMaxChecks) {
    e_.add("appliance", "too many checks after expansion");
    return nullptr;
  }
  CheckConfig& c = c_.checks.reset(c_.check_count);
  if (!intern(id.view(), c.id)) return nullptr;
  ++c_.check_count;
  c.type = type;
  if (type == CheckType::kDns) c.qtype = 1;  // A
  c.group = default_group(type);
  c.generated = true;
  c.tune = c_.defaults;
  return &c;
}

bool Expander::url(CheckConfig& check, bool https, std::string_view host, uint16_t port, std::string_view path) {
  FixedText<320> u;
  u.append(https ? "https://" : "http://");
  u.append(host);
  if (port != (https ? 443 : 80)) u.appendf(":%u", static_cast<unsigned>(port));
  u.append(path);
  return intern(u.view(), check.url) && split_check_url(c_, check);  // built from checked parts
}

bool Expander::build_shared_lists() {
  bool ok = c_.begin_list(all_names_);
  each_name([&](TextRef name) { ok = ok && c_.push_list(all_names_, name); });
  // Multi-node records point to the load balancer, single-node ones to the node (A5).
  TextRef target = !p_.load_balancer.empty() ? p_.load_balancer
                   : p_.nodes.count == 1     ? c_.list_item(p_.nodes, 0)
                                             : TextRef{};
  uint32_t ip;
  ok = ok && c_.begin_list(expect_addresses_);
  if (!target.empty() && parse_ipv4(c_.text(target), ip)) ok = ok && c_.push_list(expect_addresses_, target);
  if (p_.mesh_ports_set) {
    mesh_ = p_.mesh_ports;
  } else {
    ok = ok && c_.begin_list(mesh_);
    for (std::string_view port : kDefaultMeshPorts) {
      TextRef t{};
      ok = ok && intern(port, t) && c_.push_list(mesh_, t);
    }
  }
  if (!ok) e_.add("appliance", "config too large after expansion");
  return ok;
}

void Expander::certificate(TextRef host, std::string_view where, TextRef name) {
  CheckConfig* c = add(CheckType::kTlsCert, where, first_label(c_.text(name)));
  if (c == nullptr) return;
  c->host = host;
  c->port = p_.https_port;
  c->server_name = name;
  c->names = all_names_;
  c->distinct_from_sha256 = p_.other_cert_sha256;
}

void Expander::certificates() {
  const uint16_t begin = c_.check_count;
  if (!p_.load_balancer.empty()) each_name([&](TextRef name) { certificate(p_.load_balancer, "cert", name); });
  for (uint16_t n = 0; n < p_.nodes.count; ++n) {
    FixedText<24> where;
    node_name(n, where);
    where.append(".cert");
    each_name([&](TextRef name) { certificate(c_.list_item(p_.nodes, n), where.view(), name); });
  }
  // The load balancer and every node serve the one certificate, for every name: one
  // same_cert_as set, each compared with the first node's (a node answers the same
  // way every time; which node the load balancer hands a connection to does not).
  const uint16_t end = c_.check_count;
  if (begin == end) return;
  uint16_t anchor = begin;
  if (p_.nodes.count > 0) {
    std::string_view first_node = c_.text(c_.list_item(p_.nodes, 0));
    for (uint16_t i = begin; i < end; ++i) {
      if (c_.text(c_.checks[i].host) == first_node) {
        anchor = i;
        break;
      }
    }
  }
  ListRef set{};
  if (!c_.begin_list(set) || !c_.push_list(set, c_.checks[anchor].id)) {
    e_.add("appliance", "config too large after expansion");
    return;
  }
  for (uint16_t i = begin; i < end; ++i) {
    if (i != anchor) c_.checks[i].same_cert_as = set;
  }
}

// Users reach the appliance over HTTPS only: plain HTTP on the load balancer must
// redirect to https:// for the same name, or be closed.
void Expander::https_only() {
  if (p_.load_balancer.empty() && p_.nodes.count == 0) return;
  TextRef front = !p_.load_balancer.empty() ? p_.load_balancer : c_.list_item(p_.nodes, 0);
  each_name([&](TextRef name) {
    CheckConfig* c = add(CheckType::kHttp, "https-only", first_label(c_.text(name)));
    if (c == nullptr) return;
    url(*c, false, c_.text(front), p_.http_port, "/");
    c->host_header = name;
    c->expect_https_redirect = true;
  });
}

void Expander::dns() {
  const ListRef resolvers = p_.resolvers.count > 0 ? p_.resolvers : c_.network.dns;
  each_name([&](TextRef name) {
    for (uint16_t r = 0; r < resolvers.count; ++r) {
      CheckConfig* c = add(CheckType::kDns, "dns", first_label(c_.text(name)), resolvers.count > 1 ? r : -1);
      if (c == nullptr) continue;
      TextRef server = c_.list_item(resolvers, r);
      std::string_view h;
      c->port = 53;
      split_host_port(c_.text(server), h, c->port);
      c->host = server.first(h.size());
      c->name = name;
      c->expect_addresses = expect_addresses_;
    }
  });
}

void Expander::ports() {
  for (uint16_t n = 0; n < p_.nodes.count; ++n) {
    FixedText<16> where;
    node_name(n, where);
    for (uint16_t m = 0; m < mesh_.count; ++m) {
      std::string_view port_text = c_.text(c_.list_item(mesh_, m));
      CheckConfig* c = add(CheckType::kTcp, where.view(), port_text);
      if (c == nullptr) continue;
      c->host = c_.list_item(p_.nodes, n);
      c->port = decimal_port(port_text);
      c->role = CheckRole::kMeshPort;
    }
  }
  if (!p_.load_balancer.empty()) {
    FixedText<8> port;
    port.appendf("%u", static_cast<unsigned>(p_.https_port));
    CheckConfig* c = add(CheckType::kTcp, "lb", port.view());
    if (c != nullptr) {
      c->host = p_.load_balancer;
      c->port = p_.https_port;
      c->role = CheckRole::kLbPort;
    }
  }
}

// /testall over HTTPS on every node and through the load balancer, with the
// dashboard's name as Host and SNI (the certificate is for the names, not the IPs).
void Expander::health() {
  auto testall = [&](TextRef host, std::string_view where, CheckRole role) {
    CheckConfig* c = add(CheckType::kHttp, where, "testall");
    if (c == nullptr) return;
    url(*c, true, c_.text(host), p_.https_port, "/testall");
    c->host_header = p_.dashboard;
    c->role = role;
  };
  for (uint16_t n = 0; n < p_.nodes.count; ++n) {
    FixedText<16> where;
    testall(c_.list_item(p_.nodes, n), node_name(n, where), CheckRole::kNodeTestall);
  }
  if (!p_.load_balancer.empty()) testall(p_.load_balancer, "lb", CheckRole::kLbTestall);
}

// The appliance's own view, /health/status/<x> on every node. The API key goes only
// over HTTPS, to a certificate that verifies for the dashboard's name: the http probe
// withholds it otherwise.
void Expander::own_view() {
  if (p_.health_api_key.empty()) return;
  TextRef user{};
  if (!intern("api_keys_health", user)) return;
  for (uint16_t n = 0; n < p_.nodes.count; ++n) {
    FixedText<24> where;
    node_name(n, where);
    where.append(".health");
    for (std::string_view endpoint : kHealthEndpoints) {
      CheckConfig* h = add(CheckType::kHttp, where.view(), endpoint);
      if (h == nullptr) continue;
      FixedText<32> path("/health/status/");
      path.append(endpoint);
      url(*h, true, c_.text(c_.list_item(p_.nodes, n)), p_.https_port, path.view());
      h->host_header = p_.dashboard;
      h->basic_user = user;
      h->basic_password = p_.health_api_key;
      const uint16_t expect[] = {204}, warn[] = {520, 429};
      if (!c_.intern_status_codes(expect, 1, h->expect_status) || !c_.intern_status_codes(warn, 2, h->warn_status)) {
        e_.add("appliance", "config too large after expansion");
        return;
      }
      h->expect_body_set = true;  // these answers carry no body
    }
  }
}

void Expander::smtp() {
  if (p_.smtp_host.empty()) return;
  CheckConfig* c = add(CheckType::kSmtp, "smtp", "");
  if (c == nullptr) return;
  c->host = p_.smtp_host;
  c->port = p_.smtp_port;
  c->username = p_.smtp_username;
  c->password = p_.smtp_password;
  c->server_name = p_.smtp_server_name;
}

void Expander::time() {
  const ListRef servers = p_.ntp.count > 0 ? p_.ntp : c_.network.ntp;
  for (uint16_t i = 0; i < servers.count; ++i) {
    CheckConfig* c = add(CheckType::kNtp, "ntp", "", servers.count > 1 ? i : -1);
    if (c == nullptr) continue;
    TextRef server = c_.list_item(servers, i);
    std::string_view h;
    c->port = 123;
    split_host_port(c_.text(server), h, c->port);
    c->host = server.first(h.size());
  }
}

// Egress as tls_cert (an intercepting proxy shows as an untrusted issuer): trust on,
// the appliance's own certificate rules off (an EC key or a certificate renewed late
// is the other party's business; expired is still critical).
void Expander::egress() {
  auto target = [&](TextRef host, uint16_t port) {
    uint32_t ip;
    const bool literal = parse_ipv4(c_.text(host), ip);
    // A name by its first label (cdn), an address whole (203-0-113-40).
    CheckConfig* c = add(CheckType::kTlsCert, "egress", literal ? c_.text(host) : first_label(c_.text(host)));
    if (c == nullptr) return;
    c->group = Group::kEgress;
    c->host = host;
    c->port = port;
    c->trust_only = true;
    if (!literal) {
      c->server_name = host;
      if (c_.begin_list(c->names)) c_.push_list(c->names, host);
    }
  };
  if (!p_.egress_set) {
    for (std::string_view name : kDefaultEgress) {
      TextRef host{};
      if (intern(name, host)) target(host, 443);
    }
    return;
  }
  for (uint16_t i = 0; i < p_.egress.count; ++i) {
    TextRef item = c_.list_item(p_.egress, i);
    std::string_view h;
    uint16_t port = 443;
    split_host_port(c_.text(item), h, port);
    target(item.first(h.size()), port);
  }
}

// Production and dev/test on completely isolated networks: the other environment's
// nodes must not answer at all, on 443 or any mesh port.
void Expander::isolation() {
  for (uint16_t n = 0; n < p_.other_nodes.count; ++n) {
    FixedText<16> where;
    node_name(n, where, "other");
    auto one = [&](uint16_t port) {
      FixedText<8> detail;
      detail.appendf("%u", static_cast<unsigned>(port));
      CheckConfig* c = add(CheckType::kTcp, where.view(), detail.view());
      if (c == nullptr) return;
      c->group = Group::kIsolation;
      c->expect = ExpectPort::kUnreachable;
      c->host = c_.list_item(p_.other_nodes, n);
      c->port = port;
    };
    one(p_.https_port);
    for (uint16_t m = 0; m < mesh_.count; ++m) one(decimal_port(c_.text(c_.list_item(mesh_, m))));
  }
  // The older `isolated_from` (host:port): each port must not be open.
  for (uint16_t i = 0; i < p_.isolated_from.count; ++i) {
    TextRef item = c_.list_item(p_.isolated_from, i);
    std::string_view h;
    uint16_t port = 443;
    split_host_port(c_.text(item), h, port);
    CheckConfig* c = add(CheckType::kTcp, "isolation", "", static_cast<int>(i));
    if (c == nullptr) continue;
    c->group = Group::kIsolation;
    c->expect = ExpectPort::kClosed;
    c->host = item.first(h.size());
    c->port = port;
  }
}

void Expander::lint_dns_plan() {
  std::string_view parent;
  bool parent_set = false;
  auto lint = [&](std::string_view host, std::string_view path, bool app_tenant) {
    FixedText<96> msg;
    std::string_view label = first_label(host);
    if (label.size() < 3) {
      msg.append(host);
      msg.append(": the appliance needs names of at least 3 characters");
      warn(path, msg.view());
    }
    if (host.find('_') != std::string_view::npos) {
      msg.assign(host);
      msg.append(": underscores are not allowed in appliance host names");
      warn(path, msg.view());
    }
    if (app_tenant && is_reserved_app_tenant_name(label)) {
      msg.assign(label);
      msg.append(" is reserved and cannot name an App Tenant");
      warn(path, msg.view());
    }
    std::string_view this_parent = parent_domain(host);
    if (!parent_set) {
      parent = this_parent;
      parent_set = true;
    } else if (this_parent != parent) {
      msg.assign(host);
      msg.append(": not under the same parent domain as the others");
      warn(path, msg.view());
    }
  };
  if (!p_.dashboard.empty()) lint(c_.text(p_.dashboard), "appliance.domain_names.dashboard", false);
  if (!p_.root_tenant_authority.empty()) {
    lint(c_.text(p_.root_tenant_authority), "appliance.domain_names.root_tenant_authority", false);
  }
  if (!p_.webtask.empty()) lint(c_.text(p_.webtask), "appliance.domain_names.webtask", false);
  for (uint16_t i = 0; i < p_.app_tenants.count; ++i) {
    FixedText<64> path;
    path.appendf("appliance.domain_names.app_tenants[%u]", i);
    lint(c_.text(c_.list_item(p_.app_tenants, i)), path.view(), true);
  }
}

void Expander::run() {
  prefix_ = p_.name.empty() ? kDefaultPrefix : c_.text(p_.name);
  lint_dns_plan();
  // The appliance runs as a single node or a cluster of three or more: two nodes
  // cannot keep a majority when one fails (its replica set needs one).
  if (p_.nodes.count == 2) warn("appliance.nodes", "a cluster needs at least three nodes (two given)");
  if (!build_shared_lists()) return;
  // In the order of spec/checks.md's table.
  certificates();
  https_only();
  dns();
  ports();
  health();
  own_view();
  smtp();
  time();
  egress();
  isolation();
}

}  // namespace

bool is_reserved_app_tenant_name(std::string_view label) {
  for (std::string_view reserved : kReservedAppTenantNames) {
    if (reserved.size() != label.size()) continue;
    bool same = true;
    for (size_t i = 0; i < label.size() && same; ++i) {
      char ch = label[i];
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      same = ch == reserved[i];
    }
    if (same) return true;
  }
  return false;
}

void expand_appliance(const ApplianceProfile& profile, Config& config, ConfigErrors& errors) {
  if (!profile.present) return;
  Expander(profile, config, errors).run();
}

}  // namespace probebox
