#include "edi/error.hpp"

#include <algorithm>
#include <cstring>

#include "scan.hpp"

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
  // Count line breaks in [counted_, offset) that lie inside `bytes`: a vector count, then one
  // backward search for where the last line starts.
  const std::size_t end = std::min(offset, base + bytes.size());
  const std::size_t from = std::max(counted_, base);
  if (from < end) {
    const char* p = bytes.data() + (from - base);
    const std::size_t n = end - from;
    const std::size_t breaks = detail::count_byte(p, n, '\n');
    if (breaks > 0) {
      line_ += breaks;
      const void* last = ::memrchr(p, '\n', n);
      line_start_ = from + static_cast<std::size_t>(static_cast<const char*>(last) - p) + 1;
    }
  }
  counted_ = std::max(counted_, end);
  // An offset before the counted line start (a caller breaking the REQUIRES) reads as column 1.
  const std::size_t column = offset >= line_start_ ? offset - line_start_ + 1 : 1;
  return Position{offset, line_, column};
}

}  // namespace edi
