// JSON text -> validated Config (spec/config.md). Unknown keys are errors; every
// error is collected with its JSON path; on any error the output is unusable and
// the caller keeps its current config.
#pragma once
#include <string_view>

#include "config/config_errors.h"
#include "config/config_model.h"
#include "core/status.h"

namespace probebox {

// Upper bound on JSON tokens in one document; a 64 KiB config of 128 checks needs
// about a quarter of it.
inline constexpr size_t kMaxConfigJsonTokens = 4096;

Status parse_config(std::string_view json, Config& out, ConfigErrors& errors);

// Validators shared with the API and the appliance profile.
bool is_valid_check_id(std::string_view id);
bool is_valid_hostname(std::string_view host);
bool parse_ipv4(std::string_view text, uint32_t& out);  // host byte order
// "host" or "host:port"; `port` keeps its value when none is given.
// "2026-11-22T10:00:00Z" (UTC only) -> Unix seconds.
bool parse_iso8601_utc(std::string_view text, int64_t& out);
bool split_host_port(std::string_view text, std::string_view& host, uint16_t& port);
// A plain addr-spec (`local@domain`, RFC 5321/5322 dot-atom local part, a host name
// as domain): nothing that could close `<...>` in MAIL FROM/RCPT TO, start a new
// command or header, or need quoting.
bool is_valid_mail_address(std::string_view address);

}  // namespace probebox
