// Error codes and positions of the EDIFACT core.
//
// The hot path (tokenizing, streaming) reports problems as values, never by throwing: a call returns
// an `Errc`, and the object that returned it knows where the problem is (`error_offset()`).
// `describe()` turns a code into the plain sentence the tools print:
//
//   edi::Tokenizer tok(input);
//   edi::RawSegment seg;
//   edi::Errc rc;
//   while ((rc = tok.next(seg)) == edi::Errc::ok) { ... }
//   if (rc != edi::Errc::end_of_input)
//     std::cerr << edi::describe(rc) << " at byte " << tok.error_offset() << '\n';
//   // "unterminated segment: expected the segment terminator before the end of input at byte 812"
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace edi {

// Outcome of `Tokenizer::next` and `StreamReader::next`. Everything after `need_more_input`
// is an error in the input; the object that returned it reports the byte offset.
// [[nodiscard]]: an input error is reported only by this value, so the compiler rejects a call
// that drops it (every function returning an Errc inherits the check).
enum class [[nodiscard]] Errc : std::uint8_t {
  ok = 0,               // a segment was produced
  end_of_input,         // no more segments; not an error
  need_more_input,      // (non-final buffers only) the buffer ends inside a segment
  unterminated_segment, // the input ends inside a segment: no terminator after the last one
  release_at_end,       // the input ends with a release character that has nothing to release
  truncated_una,        // "UNA" is followed by fewer than the six service characters
  invalid_una,          // the UNA names the same character for two different roles
  segment_too_long,     // (streaming) a segment is longer than the reader's limit
};

// A plain sentence for each code, saying what was expected. Never empty.
[[nodiscard]] std::string_view describe(Errc code) noexcept;

// Where something is in an input: byte offset from the start (0-based), line and column (1-based;
// the column counts bytes, a tab or a UTF-8 sequence counts as its bytes).
struct Position {
  std::size_t offset = 0;
  std::size_t line = 1;
  std::size_t column = 1;
  friend bool operator==(const Position&, const Position&) = default;
};

// Computes line and column of byte offsets, scanning forward only: each call costs the bytes
// between the previous offset and this one, so a whole pass over an input costs one scan.
// REQUIRES: offsets passed to `locate` never decrease, and every byte between two calls is
// shown to the counter (through `locate`) before it leaves the caller's buffer.
class LineCounter {
 public:
  // Counts the line breaks in `bytes`, which start at absolute offset `base`, up to `offset`.
  // Not [[nodiscard]]: a reader also calls it for the counting alone, before bytes leave its buffer.
  Position locate(std::string_view bytes, std::size_t base, std::size_t offset) noexcept;

 private:
  std::size_t counted_ = 0;        // absolute offset up to which line breaks are counted
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;     // absolute offset of the first byte of line_
};

// Thrown by the stubs of the exercises: "not implemented yet: <what>". The grader shows it once
// per missing piece instead of a wall of failures.
class NotImplemented : public std::logic_error {
 public:
  explicit NotImplemented(std::string_view what)
      : std::logic_error("not implemented yet: " + std::string(what)) {}
};

}  // namespace edi
