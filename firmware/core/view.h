// Slicing a string_view without anything that can throw. std::string_view::substr
// (and at(), copy(), compare(pos, ...)) call std::__throw_out_of_range_fmt when the
// position is past the end; with -fno-exceptions that is abort(), on the board a
// reset. These clamp instead: a position past the end gives an empty view, a count
// past the end gives what is there. The build refuses an image that references any
// __throw_* (cmake/no_throw.cmake), so these are the only way to slice in firmware/.
#pragma once
#include <cstddef>
#include <string_view>

namespace probebox {

// The first n characters (all of them when there are fewer).
constexpr std::string_view first(std::string_view s, size_t n) noexcept {
  return {s.data(), n < s.size() ? n : s.size()};
}

// Everything from position pos on (empty when pos is at or past the end).
constexpr std::string_view after(std::string_view s, size_t pos) noexcept {
  return pos < s.size() ? std::string_view(s.data() + pos, s.size() - pos) : std::string_view();
}

// Up to n characters from position pos: after(s, pos) cut to n.
constexpr std::string_view slice(std::string_view s, size_t pos, size_t n) noexcept {
  return first(after(s, pos), n);
}

// The last n characters (all of them when there are fewer).
constexpr std::string_view last(std::string_view s, size_t n) noexcept {
  return n < s.size() ? std::string_view(s.data() + s.size() - n, n) : s;
}

// Up to the first `sep` (all of s when there is none), and what follows it (empty
// when there is none): the split every "a,b,c" loop needs.
constexpr std::string_view before_first(std::string_view s, char sep) noexcept {
  return first(s, s.find(sep));
}
constexpr std::string_view after_first(std::string_view s, char sep) noexcept {
  size_t at = s.find(sep);
  return at == std::string_view::npos ? std::string_view() : after(s, at + 1);
}

// string_view::starts_with is built on substr, which refers to a throw in an
// unoptimised build: this compares in place.
constexpr bool has_prefix(std::string_view s, std::string_view prefix) noexcept {
  return first(s, prefix.size()) == prefix;
}

}  // namespace probebox
