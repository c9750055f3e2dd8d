// The config's `appliance` block, in the operator's words, and its expansion into
// checks (spec/checks.md, "The appliance profile"). Generated ids are prefixed by
// the block's name (`prod.dns.manage`); an explicit check with the same id wins.
#pragma once
#include "config/config_errors.h"
#include "config/config_model.h"

namespace probebox {

struct ApplianceProfile {
  bool present = false;
  TextRef name;
  TextRef load_balancer;
  ListRef nodes;
  TextRef dashboard;
  TextRef root_tenant_authority;
  TextRef webtask;
  ListRef app_tenants;
  uint16_t https_port = 443;
  uint16_t http_port = 80;
  ListRef mesh_ports;  // decimal strings, validated 1..65535
  ListRef resolvers;
  TextRef smtp_host;
  uint16_t smtp_port = 587;
  TextRef smtp_username;
  TextRef smtp_password;
  TextRef smtp_server_name;  // the name the relay's certificate must carry
  ListRef ntp;
  TextRef health_api_key;
  ListRef egress;
  ListRef isolated_from;
};

// Appends the generated checks to `config` (skipping ids an explicit check already
// has) and adds the DNS-plan lint findings to config.warnings.
void expand_appliance(const ApplianceProfile& profile, Config& config, ConfigErrors& errors);

// The names the appliance reserves for App Tenants (appliance-requirements A5).
bool is_reserved_app_tenant_name(std::string_view label);

}  // namespace probebox
