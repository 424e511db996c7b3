#include "edi/error.hpp"

#include <algorithm>
#include <cstring>

namespace edi {

std::string_view describe(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::end_of_input: return "end of input";
    case Errc::need_more_input: return "the buffer ends inside a segment: more input is needed";
    case Errc::unterminated_segment:
      return "unterminated segment: expected the segment terminator before the end of input";
    case Errc::release_at_end:
      return "release character at the end of input: expected a character after it";
    case Errc::truncated_una:
      return "truncated UNA: expected 'UNA' followed by six service characters";
    case Errc::invalid_una:
      return "invalid UNA: expected six different service characters (a space may repeat)";
    case Errc::segment_too_long:
      return "segment longer than the reader's limit: expected a segment terminator sooner";
  }
  return "unknown error";
}

Position LineCounter::locate(std::string_view bytes, std::size_t base, std::size_t offset) noexcept {
  // Count line breaks in [counted_, offset) that lie inside `bytes`.
  const std::size_t end = std::min(offset, base + bytes.size());
  std::size_t from = std::max(counted_, base);
  while (from < end) {
    const void* hit = std::memchr(bytes.data() + (from - base), '\n', end - from);
    if (hit == nullptr) break;
    const std::size_t at = base + static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
    ++line_;
    line_start_ = at + 1;
    from = at + 1;
  }
  counted_ = std::max(counted_, end);
  // An offset before the counted line start (a caller breaking the REQUIRES) reads as column 1.
  const std::size_t column = offset >= line_start_ ? offset - line_start_ + 1 : 1;
  return Position{offset, line_, column};
}

}  // namespace edi
