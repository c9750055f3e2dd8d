// Decoding of JSON string contents (the text between the quotes, escapes intact).
#pragma once
#include <cstddef>
#include <string_view>

namespace probebox {

// Writes the decoded UTF-8 into out (at most `cap` bytes; the decoded form is never
// longer than the input). Returns false on a bad escape, a lone surrogate or a raw
// control character, which JSON forbids.
bool json_unescape(std::string_view in, char* out, size_t cap, size_t& out_len);

}  // namespace probebox
