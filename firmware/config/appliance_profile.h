// The config's `appliance` block, in the operator's words, and its expansion into
// checks (spec/checks.md, "The appliance profile": the table there is the contract).
// Generated ids are prefixed by the block's name (`prod.dns.manage`; "appliance"
// when it has none). The override rule: an explicit check whose id equals a
// generated one replaces it (the generated check is not made; the explicit one keeps
// its place and is not marked generated). Two generated ids that collide (a long
// name truncated to 32 characters, two app tenants with one first label) are made
// unique with "-2", "-3"... so no generated check is ever lost to another.
#pragma once
#include "config/config_errors.h"
#include "config/config_model.h"

namespace probebox {

struct ApplianceProfile {
  bool present = false;
  TextRef name{};
  TextRef load_balancer{};
  ListRef nodes{};
  TextRef dashboard{};
  TextRef root_tenant_authority{};
  TextRef webtask{};
  ListRef app_tenants{};
  uint16_t https_port = 443;  // the appliance's documented ports (spec/checks.md)
  uint16_t http_port = 80;
  ListRef mesh_ports{};  // decimal strings, validated 1..65535
  bool mesh_ports_set = false;  // else 7777, 27017, 8721, 8701
  ListRef resolvers{};  // empty: network.dns
  TextRef smtp_host{};
  uint16_t smtp_port = 587;
  TextRef smtp_username{};
  TextRef smtp_password{};
  TextRef smtp_server_name{};  // the name the relay's certificate must carry
  ListRef ntp{};  // empty: network.ntp
  TextRef health_api_key{};
  ListRef egress{};
  bool egress_set = false;  // else Auth0's hosts on 443; [] for none
  ListRef isolated_from{};    // host:port, each expected closed (the older key)
  ListRef other_nodes{};      // other_environment.nodes: must be unreachable
  ListRef other_cert_sha256{};  // other_environment.cert_sha256: must not be served here
};

// Appends the generated checks to `config` (skipping ids an explicit check already
// has) and adds the DNS-plan lint findings to config.warnings.
void expand_appliance(const ApplianceProfile& profile, Config& config, ConfigErrors& errors);

// The names the appliance reserves for App Tenants (appliance-requirements A5).
bool is_reserved_app_tenant_name(std::string_view label);

}  // namespace probebox
