#include "edi/stats.hpp"

namespace edi {

std::string message_type(const RawSegment& unh) { return message_type(unh, static_cast<std::size_t>(-1)); }

std::string message_type(const RawSegment& unh, std::size_t max_size) {
  const ServiceChars& c = unh.chars;
  const std::string_view d = unh.data;
  // d[0] opens element 1 (the reference); the type is the first component of element 2.
  std::size_t i = 1;
  while (i < d.size() && d[i] != c.element) i += (c.has_release() && d[i] == c.release) ? 2 : 1;
  std::string type;
  for (++i; i < d.size() && type.size() < max_size; ++i) {
    char b = d[i];
    if (c.has_release() && b == c.release) {
      if (++i == d.size()) break;
      b = d[i];
    } else if (b == c.element || b == c.component || (c.has_repetition() && b == c.repetition)) {
      break;
    }
    if (b != '\r' && b != '\n') type += b;
  }
  return type;
}

}  // namespace edi
