// The config parser's appliance section: the profile that expand_appliance()
// (appliance_profile.cpp) turns into checks.
#include "config/config_reader.h"
#include "config/config_validators.h"

namespace probebox::config_parse {

void ConfigReader::appliance(int i) {
  profile.present = true;
  members(i, [&](std::string_view key, int v) {
    int64_t n;
    if (key == "name") {
      if (string(v, profile.name, 12) && !is_valid_check_id(c_.text(profile.name))) error("must be of [a-z0-9._-]");
    } else if (key == "load_balancer") {
      host(v, profile.load_balancer);
    } else if (key == "nodes") {
      c_.begin_list(profile.nodes);
      elements(v, [&](size_t, int w) {
        TextRef t;
        if (host(w, t) && !c_.push_list(profile.nodes, t)) error("too many list items");
      });
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
          c_.begin_list(profile.mesh_ports);
          elements(w, [&](size_t, int x) {
            TextRef t;
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
      server_list(v, profile.egress, 443);
    } else if (key == "isolated_from") {
      server_list(v, profile.isolated_from, 443);
    } else {
      error("unknown key");
    }
  });
  if (profile.name.empty()) {
    PathScope scope(*this, "name");
    error("required");
  }
}

}  // namespace probebox::config_parse
