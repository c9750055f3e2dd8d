// The config parser's appliance section: the profile that expand_appliance()
// (appliance_profile.cpp) turns into checks.
#include "config/config_reader.h"
#include "config/config_validators.h"

namespace probebox::config_parse {

namespace {

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char ch : s) {
    bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    if (!hex) return false;
  }
  return true;
}

}  // namespace

bool ConfigReader::sha256_list(int i, ListRef& out) {
  if (!string_list(i, out, 64)) return false;
  bool ok = true;
  for (uint16_t k = 0; k < out.count; ++k) {
    if (!is_sha256_hex(c_.text(c_.list_item(out, k)))) {
      PathScope item(*this, static_cast<size_t>(k));
      error("must be a SHA-256 fingerprint (64 hex digits)");
      ok = false;
    }
  }
  return ok;
}

void ConfigReader::appliance(int i) {
  profile.present = true;
  auto host_list = [&](int v, ListRef& list) {
    c_.begin_list(list);
    elements(v, [&](size_t, int w) {
      TextRef t{};
      if (host(w, t) && !c_.push_list(list, t)) error("too many list items");
    });
  };
  members(i, [&](std::string_view key, int v) {
    int64_t n;
    if (key == "name") {
      if (string(v, profile.name, 12) && !is_valid_check_id(c_.text(profile.name))) error("must be of [a-z0-9._-]");
    } else if (key == "load_balancer") {
      host(v, profile.load_balancer);
    } else if (key == "nodes") {
      host_list(v, profile.nodes);
    } else if (key == "domain_names") {
      members(v, [&](std::string_view k, int w) {
        TextRef* target = k == "dashboard" ? &profile.dashboard
                          : k == "root_tenant_authority" ? &profile.root_tenant_authority
                          : k == "webtask" ? &profile.webtask : nullptr;
        if (target != nullptr) {
          if (string(w, *target, 253) && !is_valid_hostname(c_.text(*target))) error("must be a host name");
        } else if (k == "app_tenants") {
          if (string_list(w, profile.app_tenants, 253)) {
            for (uint16_t a = 0; a < profile.app_tenants.count; ++a) {
              if (!is_valid_hostname(c_.text(c_.list_item(profile.app_tenants, a)))) {
                PathScope item(*this, static_cast<size_t>(a));
                error("must be a host name");
              }
            }
          }
        } else {
          error("unknown key");
        }
      });
    } else if (key == "ports") {
      members(v, [&](std::string_view k, int w) {
        if (k == "https") {
          if (integer(w, 1, 65535, n)) profile.https_port = static_cast<uint16_t>(n);
        } else if (k == "http") {
          if (integer(w, 1, 65535, n)) profile.http_port = static_cast<uint16_t>(n);
        } else if (k == "mesh") {
          profile.mesh_ports_set = true;
          c_.begin_list(profile.mesh_ports);
          elements(w, [&](size_t, int x) {
            TextRef t{};
            if (!integer(x, 1, 65535, n)) return;
            // Kept as its decimal text: the port also names the generated check.
            if (!c_.intern(raw(x), t) || !c_.push_list(profile.mesh_ports, t)) {
              error("too many list items");
            }
          });
        } else {
          error("unknown key");
        }
      });
    } else if (key == "resolvers") {
      server_list(v, profile.resolvers, 53);
    } else if (key == "smtp") {
      members(v, [&](std::string_view k, int w) {
        if (k == "host") host(w, profile.smtp_host);
        else if (k == "port") { if (integer(w, 1, 65535, n)) profile.smtp_port = static_cast<uint16_t>(n); }
        else if (k == "username") string(w, profile.smtp_username, 64);
        else if (k == "password") string(w, profile.smtp_password, 128);
        else if (k == "server_name") {
          if (string(w, profile.smtp_server_name, 253) && !is_valid_hostname(c_.text(profile.smtp_server_name))) {
            error("must be a host name");
          }
        } else error("unknown key");
      });
    } else if (key == "ntp") {
      server_list(v, profile.ntp, 123);
    } else if (key == "health_api_key") {
      string(v, profile.health_api_key, 128);
    } else if (key == "egress") {
      profile.egress_set = true;
      server_list(v, profile.egress, 443);
    } else if (key == "isolated_from") {
      server_list(v, profile.isolated_from, 443);
    } else if (key == "other_environment") {
      members(v, [&](std::string_view k, int w) {
        if (k == "nodes") host_list(w, profile.other_nodes);
        else if (k == "cert_sha256") sha256_list(w, profile.other_cert_sha256);
        else error("unknown key");
      });
    } else {
      error("unknown key");
    }
  });
  // `name` is optional (its ids then start "appliance."); what the profile watches
  // is not: a load balancer or a node (spec/config.md). A missing name only means
  // fewer checks (none for it), and the DNS plan lint says nothing about it.
  if (profile.load_balancer.empty() && profile.nodes.count == 0) {
    PathScope scope(*this, "load_balancer");
    error("required (or nodes)");
  }
}

}  // namespace probebox::config_parse
