// The config parser's sections: device, network, alerts (mail, syslog, snmp) and
// maintenance windows.
#include "config/config_reader.h"
#include "config/config_validators.h"

namespace probebox::config_parse {
namespace {

// The IPv4 literals of `list` in order, the first N of them (a name is left to the
// checks that may resolve it): how many were kept.
template <size_t N>
uint8_t literal_endpoints(const Config& c, ListRef list, uint16_t default_port, std::array<Ipv4Endpoint, N>& out) {
  uint8_t kept = 0;
  for (uint16_t k = 0; k < list.count && kept < N; ++k) {
    std::string_view host;
    Ipv4Endpoint e;
    e.port = default_port;
    if (split_host_port(c.text(c.list_item(list, k)), host, e.port) && parse_ipv4(host, e.ip)) out[kept++] = e;
  }
  return kept;
}

}  // namespace

void ConfigReader::device(int i) {
  members(i, [&](std::string_view key, int v) {
    if (key == "name") {
      string(v, c_.device_name, 32);
    } else if (key == "location") {
      string(v, c_.device_location, 64, true);
    } else {
      error("unknown key");
    }
  });
}

void ConfigReader::network(int i) {
  members(i, [&](std::string_view key, int v) {
    TextRef t{};
    if (key == "mode") {
      if (!string(v, t, 8)) return;
      std::string_view mode = c_.text(t);
      if (mode == "dhcp") c_.network.dhcp = true;
      else if (mode == "static") c_.network.dhcp = false;
      else error("must be \"dhcp\" or \"static\"");
    } else if (key == "address") {
      if (!string(v, t, 18)) return;
      std::string_view cidr = c_.text(t);
      size_t slash = cidr.find('/');
      int64_t prefix = -1;
      if (slash != std::string_view::npos && slash + 1 < cidr.size() && cidr.size() - slash <= 3) {
        prefix = 0;
        for (char ch : after(cidr, slash + 1)) prefix = (ch >= '0' && ch <= '9') ? prefix * 10 + (ch - '0') : 99;
      }
      if (slash == std::string_view::npos || prefix < 1 || prefix > 30 ||
          !parse_ipv4(first(cidr, slash), c_.network.address)) {
        error("must be an IPv4 address with prefix length, e.g. 192.0.2.10/24");
        return;
      }
      c_.network.prefix_length = static_cast<uint8_t>(prefix);
    } else if (key == "gateway") {
      if (string(v, t, 15) && !parse_ipv4(c_.text(t), c_.network.gateway)) error("must be an IPv4 address");
    } else if (key == "dns") {
      if (!server_list(v, c_.network.dns, 53)) return;
      if (c_.network.dns.count > 2) error("at most 2 resolvers");
      // lwIP's resolver has one server port for all servers.
      uint16_t first_port = 0;
      for (uint16_t k = 0; k < c_.network.dns.count; ++k) {
        std::string_view h;
        uint16_t port = 53;
        uint32_t ip;
        split_host_port(c_.text(c_.list_item(c_.network.dns, k)), h, port);
        PathScope item(*this, static_cast<size_t>(k));
        if (!parse_ipv4(h, ip)) error("a resolver must be an IPv4 address");
        else if (k < c_.network.resolvers.size()) c_.network.resolvers[k] = {ip, port};
        if (k == 0) first_port = port;
        else if (port != first_port) error("every resolver must use the same port");
      }
    } else if (key == "ntp") {
      server_list(v, c_.network.ntp, 123);
      NetworkConfig& n = c_.network;
      n.clock_server_count = literal_endpoints(c_, n.ntp, 123, n.clock_servers);
    } else {
      error("unknown key");
    }
  });
  if (!c_.network.dhcp && c_.network.prefix_length == 0) {
    PathScope scope(*this, "address");
    error("required when mode is \"static\"");
  }
}

void ConfigReader::alerts(int i) {
  members(i, [&](std::string_view key, int v) {
    if (key == "mail") {
      members(v, [&](std::string_view k, int w) {
        uint16_t port;
        if (k == "to") mail_address_list(w, c_.alerts.mail_to);
        else if (k == "from") mail_address(w, c_.alerts.mail_from);
        else if (k == "server") { if (server(w, c_.alerts.mail_server, port, 25)) c_.alerts.mail_port = port; }
        else error("unknown key");
      });
    } else if (key == "syslog") {
      members(v, [&](std::string_view k, int w) {
        uint16_t port;
        TextRef host_only{};
        if (k == "server") {
          if (string(w, c_.alerts.syslog_server, 259)) {
            std::string_view h;
            port = 514;
            std::string_view whole = c_.text(c_.alerts.syslog_server);
            if (!split_host_port(whole, h, port)) {
              error("must be host or host:port");
            } else {
              c_.alerts.syslog_host = c_.alerts.syslog_server.first(h.size());
              c_.alerts.syslog_port = port;
            }
          }
          (void)host_only;
        } else {
          error("unknown key");
        }
      });
    } else if (key == "snmp") {
      snmp(v);
    } else {
      error("unknown key");
    }
  });
}

// alerts.snmp: v2c only with a community, v3 only with a user and both passwords
// (SHA + AES, authPriv). SNMP_MAX_COMMUNITY_STR_LEN and lwIP's user name bound the
// lengths; RFC 3414 asks for passwords of at least 8 octets.
void ConfigReader::snmp(int i) {
  AlertsConfig& a = c_.alerts;
  members(i, [&](std::string_view k, int w) {
    if (k == "community") {
      string(w, a.snmp_community, 32);
    } else if (k == "trap_community") {
      string(w, a.snmp_trap_community, 32);
    } else if (k == "trap_to") {
      server_list(w, a.snmp_trap_to, 162);
      a.trap_target_count = literal_endpoints(c_, a.snmp_trap_to, 162, a.trap_targets);
    } else if (k == "v3") {
      bool user = false, auth = false, priv = false;
      bool is_object = members(w, [&](std::string_view key, int x) {
        auto password = [&](TextRef& out, bool& seen) {
          seen = true;
          if (string(x, out, 64) && out.size() < 8) error("needs 8 to 64 characters");
        };
        if (key == "user") {
          user = true;
          string(x, a.snmp_v3_user, 32);
        } else if (key == "auth_password") {
          password(a.snmp_v3_auth_password, auth);
        } else if (key == "priv_password") {
          password(a.snmp_v3_priv_password, priv);
        } else {
          error("unknown key");
        }
      });
      std::string_view missing = !user ? "user" : !auth ? "auth_password" : !priv ? "priv_password" : "";
      if (is_object && !missing.empty()) {
        PathScope scope(*this, missing);
        error("required (SNMPv3 is authPriv: user, auth_password and priv_password)");
      }
    } else {
      error("unknown key");
    }
  });
}

void ConfigReader::maintenance(int i) {
  elements(i, [&](size_t, int v) {
    if (c_.maintenance_count >= Config::kMaxMaintenanceWindows) {
      error("at most 16 maintenance windows");
      return;
    }
    MaintenanceWindow& w = c_.maintenance[c_.maintenance_count];
    w = MaintenanceWindow{};
    bool have_start = false, have_end = false;
    members(v, [&](std::string_view key, int x) {
      TextRef t{};
      if (key == "start" || key == "end") {
        if (!string(x, t, 20)) return;
        int64_t& target = key == "start" ? w.start_unix : w.end_unix;
        if (!parse_iso8601_utc(c_.text(t), target)) {
          error("must be a UTC time like 2026-11-22T10:00:00Z");
          return;
        }
        (key == "start" ? have_start : have_end) = true;
      } else if (key == "checks") {
        string_list(x, w.checks, 32);
      } else {
        error("unknown key");
      }
    });
    if (!have_start || !have_end) {
      error("start and end are required");
    } else if (w.end_unix <= w.start_unix) {
      error("end must be after start");
    }
    ++c_.maintenance_count;
  });
}

}  // namespace probebox::config_parse
