// The config parser's reader (internal to config/, not included outside it): walks
// the document section by section into a Config. Its parts live in one file each:
//   config_parser.cpp          parse_config() and the document's top level
//   config_values.cpp          typed values (hosts, servers, lists, tunables, status codes)
//   config_sections.cpp        device, network, alerts (mail, syslog, snmp), maintenance
//   config_appliance_section.cpp  the appliance profile
//   config_check_keys.cpp      checks: common keys, the per-kind key table, cross-checks
// The JSON walker below it is config_json_walker.{h,cpp}; pure validators of single
// values are config_validators.{h,cpp}.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/appliance_profile.h"
#include "config/config_json_walker.h"

namespace probebox::config_parse {

// A key that only some kinds of check accept (config_check_keys.cpp).
enum class CheckKey : uint8_t;

class ConfigReader : public JsonWalker {
 public:
  using JsonWalker::JsonWalker;

  void root();

  ApplianceProfile profile{};

 private:
  bool host(int i, TextRef& out);
  bool server(int i, TextRef& host_out, uint16_t& port, uint16_t default_port);
  bool server_list(int i, ListRef& out, uint16_t default_port);
  bool string_list(int i, ListRef& out, size_t max_len);
  bool sha256_list(int i, ListRef& out);
  bool mail_address(int i, TextRef& out);
  bool mail_address_list(int i, ListRef& out);
  bool tunable(std::string_view key, int i, Tunables& t);
  // 1..8 codes of 100..599, kept in the arena (Config::intern_status_codes()).
  bool status_list(int i, TextRef& out);

  void device(int i);
  void network(int i);
  void alerts(int i);
  void snmp(int i);
  void check(size_t index, int i);
  bool check_member(CheckConfig& c, std::string_view key, int v);
  void kind_key(CheckConfig& c, CheckKey key, int v);
  void cross_check_tunables(const Tunables& t);
  void cross_check_checks();
  void appliance(int i);
  void maintenance(int i);
};

}  // namespace probebox::config_parse
