// Byte-level checks on text that came from outside (the config, a peer): is it
// well-formed UTF-8, and is it free of control characters. Pure, no allocation.
#pragma once
#include <string_view>

namespace probebox {

// Well-formed UTF-8 as RFC 3629 defines it: no overlong forms, no UTF-16
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no sequence cut short and
// no stray continuation byte.
bool is_valid_utf8(std::string_view text);

// True when `text` holds a control character: C0 (U+0000..U+001F, CR, LF, NUL,
// TAB ...), DEL (U+007F) or C1 (U+0080..U+009F, in its UTF-8 form). With
// `allow_line_breaks`, CR and LF alone are allowed (a PEM bundle is the one
// multi-line value in the config).
bool has_control_character(std::string_view text, bool allow_line_breaks = false);

}  // namespace probebox
