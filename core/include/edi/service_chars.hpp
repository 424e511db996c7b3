// The six service characters of an EDIFACT interchange, and the UNA segment that sets them.
//
//   auto chars = edi::ServiceChars::defaults();     // ':' '+' '.' '?' ' ' '\''  (syntax 1-3)
//   auto v4 = edi::ServiceChars::defaults(4);       // repetition '*'
//   edi::ServiceChars custom;
//   edi::parse_una("UNA=*.? ~", custom);            // Errc::ok; custom.element == '*'
//
// A space in the release or repetition position means "none": syntax versions 1-3 reserve the
// repetition position, and some files declare no release character.
#pragma once

#include <string_view>

#include "edi/error.hpp"

namespace edi {

struct ServiceChars {
  char component = ':';
  char element = '+';
  char decimal = '.';
  char release = '?';
  char repetition = ' ';
  char terminator = '\'';

  // The defaults of ISO 9735 for a syntax version: repetition '*' from version 4 on.
  static constexpr ServiceChars defaults(int syntax_version = 3) noexcept {
    ServiceChars chars;
    if (syntax_version >= 4) chars.repetition = '*';
    return chars;
  }

  constexpr bool has_release() const noexcept { return release != ' '; }
  constexpr bool has_repetition() const noexcept { return repetition != ' '; }

  // True for the characters that must be released inside a value: component, element, release,
  // repetition (when in use) and terminator. The decimal mark is never released.
  constexpr bool needs_release(char c) const noexcept {
    return c == component || c == element || c == terminator || (has_release() && c == release) ||
           (has_repetition() && c == repetition);
  }

  friend constexpr bool operator==(const ServiceChars&, const ServiceChars&) = default;
};

// The UNA segment is exactly 9 bytes: "UNA" and the six characters in the order of the struct.
inline constexpr std::size_t kUnaSize = 9;

// Parses a UNA service string advice. `una` must start with "UNA".
// Returns Errc::truncated_una when it is shorter than 9 bytes, Errc::invalid_una when it names
// one character for two roles (a space may repeat: it means "none"), else Errc::ok and sets `out`.
Errc parse_una(std::string_view una, ServiceChars& out) noexcept;

// "UNA:+.? '" for `chars`.
[[nodiscard]] std::string una_string(const ServiceChars& chars);

}  // namespace edi
