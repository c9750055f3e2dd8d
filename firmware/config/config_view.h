// What GET /api/config returns: the stored config document with every secret value
// ("password", "health_api_key", and alerts.snmp's "community", "trap_community",
// "auth_password", "priv_password") replaced by "********" (spec/config.md). The
// document is otherwise the operator's own text, in their order and layout.
#pragma once
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox {

inline constexpr std::string_view kSecretPlaceholder = "********";

Status write_masked_config(std::string_view json, TextBuffer& out);
bool is_secret_key(std::string_view key);

// The inverse, for PUT /api/config: every secret whose value is the placeholder
// takes the stored document's value at the same place. Array elements that are
// objects with an "id" are matched by id, so reordering checks keeps each secret
// with its check. A placeholder with no stored counterpart, or whose target (where
// the secret is sent: spec/config.md) differs from the stored one, is an error
// (with its path) in `errors`. `out` receives the document to validate and store.
Status restore_secrets(std::string_view incoming, std::string_view stored, TextBuffer& out, class ConfigErrors& errors);
// The same, in the buffer the document arrived in: the first `length` chars of
// `room` are the incoming document, and become the one to validate and store
// (`length` updated), so no second 64 KiB buffer is needed. The same statuses
// and errors as restore_secrets() with an output of room.size() characters; on
// an error `room` holds the incoming document still.
Status restore_secrets_in_place(std::span<char> room, size_t& length, std::string_view stored,
                                class ConfigErrors& errors);

}  // namespace probebox
