#include "edi/service_chars.hpp"

#include <iterator>
#include <string>

namespace edi {

Errc parse_una(std::string_view una, ServiceChars& out) noexcept {
  if (una.size() < kUnaSize) return Errc::truncated_una;
  const ServiceChars c{una[3], una[4], una[5], una[6], una[7], una[8]};
  // The roles must differ, the decimal mark's too ("1:5" cannot be both a number and a
  // composite); a space in the release or repetition position means "none" and may repeat.
  const char roles[] = {c.component, c.element, c.decimal, c.release, c.repetition, c.terminator};
  for (std::size_t i = 0; i < std::size(roles); ++i) {
    for (std::size_t j = i + 1; j < std::size(roles); ++j) {
      if (roles[i] == roles[j] && roles[i] != ' ') return Errc::invalid_una;
    }
  }
  if (c.component == ' ' || c.element == ' ' || c.terminator == ' ') return Errc::invalid_una;
  out = c;
  return Errc::ok;
}

std::string una_string(const ServiceChars& c) {
  return std::string("UNA") + c.component + c.element + c.decimal + c.release + c.repetition + c.terminator;
}

}  // namespace edi
