// What GET /api/config returns: the stored config document with every secret value
// ("password", "health_api_key") replaced by "********" (spec/config.md). The
// document is otherwise the operator's own text, in their order and layout.
#pragma once
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox {

inline constexpr std::string_view kSecretPlaceholder = "********";

Status write_masked_config(std::string_view json, TextBuffer& out);
bool is_secret_key(std::string_view key);

}  // namespace probebox
