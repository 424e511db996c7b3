// The baseline parser: the eager parser most people write first, kept as the lessons' "before".
//
//   std::vector<edi::baseline::Segment> segs = edi::baseline::parse(text);
//   segs[2].tag;                      // "NAD"
//   segs[2].elements[1][0][2];        // element 2, repetition 1, component 3: "9"
//
// It walks the input one character at a time and builds a std::string per value, a vector per
// repetition and per element: simple, and correct on every input the core reads (UNA, release
// characters, syntax 4 repetitions, line breaks between segments, a BOM), which the tests check
// against the core. It does not skip leading junk. What it costs is allocation and copying, which
// is what the lessons measure it for.
//
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edi/segment.hpp"

namespace edi::baseline {

using Components = std::vector<std::string>;

struct Segment {
  std::string tag;
  std::vector<std::vector<Components>> elements;  // element -> repetitions -> components
  friend bool operator==(const Segment&, const Segment&) = default;
};

// Thrown for input the parser cannot read (an unterminated last segment, a short UNA).
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, std::size_t offset)
      : std::runtime_error(what + " at byte " + std::to_string(offset)), offset_(offset) {}
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

[[nodiscard]] std::vector<Segment> parse(std::string_view input);

// The same segment in the baseline's shape, for comparisons with the core's model.
[[nodiscard]] Segment from_core(const edi::Segment& segment);

}  // namespace edi::baseline
