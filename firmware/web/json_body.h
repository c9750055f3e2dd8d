// Request bodies of the small API calls ({"password": "..."}): a flat JSON object
// whose members are all strings, each one the caller named. Anything else — other
// keys, other types, a missing required member — is refused with a message.
#pragma once
#include <span>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace probebox {

struct JsonStringField {
  std::string_view name;
  TextBuffer* out;
  bool required = true;
  bool seen = false;
};

Status read_string_fields(std::string_view json, std::span<JsonStringField> fields, TextBuffer& error);

}  // namespace probebox
