// Validators of single config values, shared by the parser, the API and the
// appliance profile: pure functions over text.
#pragma once
#include <cstdint>
#include <string_view>

namespace probebox {

bool is_valid_check_id(std::string_view id);
bool is_valid_hostname(std::string_view host);
bool parse_ipv4(std::string_view text, uint32_t& out);  // host byte order
// "2026-11-22T10:00:00Z" (UTC only) -> Unix seconds.
bool parse_iso8601_utc(std::string_view text, int64_t& out);
// "host" or "host:port"; `port` keeps its value when none is given.
bool split_host_port(std::string_view text, std::string_view& host, uint16_t& port);
// A plain addr-spec (`local@domain`, RFC 5321/5322 dot-atom local part, a host name
// as domain): nothing that could close `<...>` in MAIL FROM/RCPT TO, start a new
// command or header, or need quoting.
bool is_valid_mail_address(std::string_view address);

}  // namespace probebox
