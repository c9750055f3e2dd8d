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

// The authenticated health endpoints worth watching from outside (A2).
constexpr std::string_view kHealthEndpoints[] = {"services", "disk", "memory", "db"};

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

class Expander {
 public:
  Expander(const ApplianceProfile& p, Config& c, ConfigErrors& e) : p_(p), c_(c), e_(e) {}

  void run();

 private:
  // A new generated check with the given id parts, or nullptr (explicit one wins, or full).
  CheckConfig* add(CheckType type, std::string_view what, std::string_view detail, int index = -1);
  bool intern(std::string_view s, TextRef& out) {
    if (c_.intern(s, out)) return true;
    e_.add("appliance", "config too large after expansion");
    return false;
  }
  void warn(std::string_view path, std::string_view message);
  void lint_dns_plan();
  void host_names(void (Expander::*fn)(std::string_view host, std::string_view role));
  void tls_for(std::string_view host, std::string_view role);
  void dns_for(std::string_view host, std::string_view role);

  const ApplianceProfile& p_;
  Config& c_;
  ConfigErrors& e_;
  TextRef first_cert_id_;
  bool have_first_cert_ = false;
};

void Expander::warn(std::string_view path, std::string_view message) {
  if (c_.warning_count >= Config::kMaxWarnings) return;
  ConfigWarning& w = c_.warnings[c_.warning_count++];
  size_t n = path.size() < sizeof(w.path) - 1 ? path.size() : sizeof(w.path) - 1;
  std::memcpy(w.path, path.data(), n);
  w.path[n] = '\0';
  n = message.size() < sizeof(w.message) - 1 ? message.size() : sizeof(w.message) - 1;
  std::memcpy(w.message, message.data(), n);
  w.message[n] = '\0';
}

CheckConfig* Expander::add(CheckType type, std::string_view what, std::string_view detail, int index) {
  FixedText<64> id;
  append_id_part(id, c_.text(p_.name));
  id.append('.');
  id.append(what);
  if (!detail.empty()) {
    id.append('.');
    append_id_part(id, detail);
  }
  if (index >= 0) id.appendf("-%d", index + 1);
  if (id.size() > 32) id.truncate(32);
  if (c_.find_check(id.view()) != nullptr) return nullptr;  // explicit override
  if (c_.check_count >= Config::kMaxChecks) {
    e_.add("appliance", "too many checks after expansion");
    return nullptr;
  }
  CheckConfig& c = c_.checks.reset(c_.check_count);
  if (!intern(id.view(), c.id)) return nullptr;
  ++c_.check_count;
  c.type = type;
  c.group = default_group(type);
  c.generated = true;
  c.tune = c_.defaults;
  return &c;
}

void Expander::host_names(void (Expander::*fn)(std::string_view, std::string_view)) {
  if (!p_.dashboard.empty()) (this->*fn)(c_.text(p_.dashboard), "dashboard");
  if (!p_.root_tenant_authority.empty()) (this->*fn)(c_.text(p_.root_tenant_authority), "rta");
  if (!p_.webtask.empty()) (this->*fn)(c_.text(p_.webtask), "webtask");
  for (uint16_t i = 0; i < p_.app_tenants.count; ++i) {
    (this->*fn)(c_.text(c_.list_item(p_.app_tenants, i)), "app");
  }
}

void Expander::tls_for(std::string_view host, std::string_view) {
  if (p_.load_balancer.empty()) return;
  CheckConfig* c = add(CheckType::kTlsCert, "cert", first_label(host));
  if (c == nullptr) return;
  c->host = p_.load_balancer;
  c->port = p_.https_port;
  if (!intern(host, c->server_name)) return;
  c_.begin_list(c->names);
  c_.push_list(c->names, c->server_name);
  // The load balancer must serve one certificate for every name.
  if (have_first_cert_) {
    c_.begin_list(c->same_cert_as);
    c_.push_list(c->same_cert_as, first_cert_id_);
  } else {
    first_cert_id_ = c->id;
    have_first_cert_ = true;
  }
}

void Expander::dns_for(std::string_view host, std::string_view) {
  for (uint16_t r = 0; r < p_.resolvers.count; ++r) {
    CheckConfig* c = add(CheckType::kDns, "dns", first_label(host), p_.resolvers.count > 1 ? r : -1);
    if (c == nullptr) continue;
    std::string_view server = c_.text(c_.list_item(p_.resolvers, r));
    std::string_view h;
    c->port = 53;
    split_host_port(server, h, c->port);
    c->host = {c_.list_item(p_.resolvers, r).offset, static_cast<uint16_t>(h.size())};
    intern(host, c->name);
    uint32_t ip;
    if (!p_.load_balancer.empty() && parse_ipv4(c_.text(p_.load_balancer), ip)) {
      c_.begin_list(c->expect_addresses);
      c_.push_list(c->expect_addresses, p_.load_balancer);
    }
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
  lint_dns_plan();
  host_names(&Expander::tls_for);
  host_names(&Expander::dns_for);

  for (uint16_t n = 0; n < p_.nodes.count; ++n) {
    TextRef node = c_.list_item(p_.nodes, n);
    FixedText<16> node_name;
    node_name.appendf("node%u", n + 1);
    for (uint16_t m = 0; m < p_.mesh_ports.count; ++m) {
      std::string_view port_text = c_.text(c_.list_item(p_.mesh_ports, m));
      CheckConfig* c = add(CheckType::kTcp, node_name.view(), port_text);
      if (c == nullptr) continue;
      c->host = node;
      uint32_t port = 0;
      for (char ch : port_text) port = port * 10 + static_cast<uint32_t>(ch - '0');
      c->port = static_cast<uint16_t>(port);
    }
    CheckConfig* t = add(CheckType::kHttp, node_name.view(), "testall");
    if (t != nullptr) {
      FixedText<300> url;
      url.appendf("http://%.*s:%u/testall", static_cast<int>(node.length), c_.text(node).data(), p_.http_port);
      if (intern(url.view(), t->url)) split_check_url(c_, *t);  // built from checked parts
    }
    if (!p_.health_api_key.empty()) {
      for (std::string_view endpoint : kHealthEndpoints) {
        FixedText<24> what;
        what.append(node_name.view());
        what.append(".health");
        CheckConfig* h = add(CheckType::kHttp, what.view(), endpoint);
        if (h == nullptr) continue;
        // The API key goes only over HTTPS, to a certificate that verifies for the
        // dashboard's name (the nodes serve the appliance's one certificate): the http
        // probe withholds it otherwise.
        FixedText<300> url;
        url.appendf("https://%.*s:%u/health/status/%.*s", static_cast<int>(node.length), c_.text(node).data(),
                    p_.https_port, static_cast<int>(endpoint.size()), endpoint.data());
        if (intern(url.view(), h->url)) split_check_url(c_, *h);
        if (!p_.dashboard.empty()) h->host_header = p_.dashboard;
        intern("api_keys_health", h->basic_user);
        h->basic_password = p_.health_api_key;
        h->expect_status = {204};
        h->expect_status_count = 1;
        h->warn_status = {520, 429};
        h->warn_status_count = 2;
        h->expect_body_set = true;  // these answers carry no body
      }
    }
  }
  if (!p_.load_balancer.empty()) {
    CheckConfig* c = add(CheckType::kTcp, "lb", "443");
    if (c != nullptr) {
      c->host = p_.load_balancer;
      c->port = p_.https_port;
    }
    CheckConfig* t = add(CheckType::kHttp, "lb", "testall");
    if (t != nullptr) {
      FixedText<300> url;
      url.appendf("http://%.*s:%u/testall", static_cast<int>(p_.load_balancer.length),
                  c_.text(p_.load_balancer).data(), p_.http_port);
      if (intern(url.view(), t->url)) split_check_url(c_, *t);  // built from checked parts
      if (!p_.dashboard.empty()) t->host_header = p_.dashboard;
    }
  }
  if (!p_.smtp_host.empty()) {
    CheckConfig* c = add(CheckType::kSmtp, "smtp", "");
    if (c != nullptr) {
      c->host = p_.smtp_host;
      c->port = p_.smtp_port;
      c->username = p_.smtp_username;
      c->password = p_.smtp_password;
      c->server_name = p_.smtp_server_name;
    }
  }
  for (uint16_t i = 0; i < p_.ntp.count; ++i) {
    CheckConfig* c = add(CheckType::kNtp, "ntp", "", p_.ntp.count > 1 ? i : -1);
    if (c == nullptr) continue;
    std::string_view h;
    c->port = 123;
    split_host_port(c_.text(c_.list_item(p_.ntp, i)), h, c->port);
    c->host = {c_.list_item(p_.ntp, i).offset, static_cast<uint16_t>(h.size())};
  }
  for (uint16_t i = 0; i < p_.egress.count; ++i) {
    std::string_view target = c_.text(c_.list_item(p_.egress, i));
    std::string_view h;
    uint16_t port = 443;
    split_host_port(target, h, port);
    CheckConfig* c = add(CheckType::kTcp, "egress", first_label(h));
    if (c == nullptr) continue;
    c->group = Group::kEgress;
    c->host = {c_.list_item(p_.egress, i).offset, static_cast<uint16_t>(h.size())};
    c->port = port;
  }
  for (uint16_t i = 0; i < p_.isolated_from.count; ++i) {
    std::string_view h;
    uint16_t port = 443;
    split_host_port(c_.text(c_.list_item(p_.isolated_from, i)), h, port);
    CheckConfig* c = add(CheckType::kTcp, "isolation", "", static_cast<int>(i));
    if (c == nullptr) continue;
    c->group = Group::kIsolation;
    c->expect = ExpectPort::kClosed;
    c->host = {c_.list_item(p_.isolated_from, i).offset, static_cast<uint16_t>(h.size())};
    c->port = port;
  }
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
