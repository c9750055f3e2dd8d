#include "probes/link_reuse.h"

namespace probebox {

std::string_view http_tls_name(const Config& config, const CheckConfig& check) {
  return config.text(check.host_header.empty() ? check.host : check.host_header);
}

std::string_view http_request_path(const Config& config, const CheckConfig& check) {
  return check.path.empty() ? std::string_view("/") : config.text(check.path);
}

bool http_shares_connection(const Config& config, const CheckConfig& first, const CheckConfig& next) {
  if (first.type != CheckType::kHttp || next.type != CheckType::kHttp) return false;
  if (first.role == CheckRole::kLbTestall || next.role == CheckRole::kLbTestall) return false;
  if (first.https != next.https || first.port != next.port) return false;
  if (first.host.empty() || config.text(first.host) != config.text(next.host)) return false;
  if (first.https && http_tls_name(config, first) != http_tls_name(config, next)) return false;
  // The same request twice is two samples of the server (through a balancer, of its
  // nodes): each its own connection, as the balancer's /testall makes them.
  const bool same_request = http_request_path(config, first) == http_request_path(config, next) &&
                            config.text(first.host_header) == config.text(next.host_header);
  return !same_request;
}

}  // namespace probebox
