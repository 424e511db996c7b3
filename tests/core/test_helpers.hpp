// Helpers shared by the core's tests: segments as comparable values, the whole output of a
// Tokenizer or a StreamReader, and a plain byte-by-byte reference splitter to check the
// mask-based tokenizer against.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edi/edi.hpp"

namespace edi {
// GoogleTest prints codes as sentences: "unterminated segment: expected ..." rather than a byte.
inline void PrintTo(Errc code, std::ostream* os) { *os << describe(code); }
}  // namespace edi

namespace edi::test {

// One segment as the tokenizer reports it, copied so it outlives the buffer.
struct TokenRecord {
  std::string tag;
  std::string text;
  std::size_t offset = 0;
  ServiceChars chars;
  friend bool operator==(const TokenRecord&, const TokenRecord&) = default;
};

inline void PrintTo(const TokenRecord& r, std::ostream* os) {
  *os << "{tag '" << r.tag << "', offset " << r.offset << ", text '" << r.text << "', chars '"
      << una_string(r.chars) << "'}";
}

inline TokenRecord record(const RawSegment& seg) {
  return TokenRecord{std::string(seg.tag.view()), std::string(seg.text), seg.offset, seg.chars};
}

// Everything a source produced: its segments, its last word, and where an error is.
struct TokenRun {
  std::vector<TokenRecord> segments;
  Errc result = Errc::ok;
  std::size_t error_offset = 0;
  std::uint64_t element_separators = 0;
  std::uint64_t component_values = 0;
};

// Drains a Tokenizer or a StreamReader. The loop is bounded, so a source that never ends
// fails the test instead of hanging it.
template <class Source>
TokenRun drain(Source& source, std::size_t input_size) {
  TokenRun run;
  RawSegment seg;
  const std::size_t limit = input_size + 2;  // a segment takes at least one byte
  while ((run.result = source.next(seg)) == Errc::ok && run.segments.size() <= limit) {
    run.segments.push_back(record(seg));
  }
  run.error_offset = source.error_offset();
  run.element_separators = source.state().element_separators;
  run.component_values = source.state().component_values;
  return run;
}

inline TokenRun tokenize_all(std::string_view input) {
  Tokenizer tok(input);
  return drain(tok, input.size());
}

inline TokenRun stream_all(std::string_view input, std::size_t max_read, std::size_t chunk_size = 4096,
                           std::size_t max_segment_size = 16 << 20) {
  MemorySource source(input, max_read);
  StreamReader reader(source, {.chunk_size = chunk_size, .max_segment_size = max_segment_size});
  return drain(reader, input.size());
}

// A source that returns the input in pieces cut at the given offsets.
class CutSource final : public ByteSource {
 public:
  CutSource(std::string_view bytes, std::vector<std::size_t> cuts) : bytes_(bytes), cuts_(std::move(cuts)) {}
  std::size_t read(std::span<char> buffer) override {
    std::size_t end = bytes_.size();
    for (const std::size_t cut : cuts_) {
      if (cut > at_) {
        end = std::min(end, cut);
        break;
      }
    }
    const std::size_t n = std::min(buffer.size(), end - at_);
    bytes_.copy(buffer.data(), n, at_);
    at_ += n;
    return n;
  }

 private:
  std::string_view bytes_;
  std::vector<std::size_t> cuts_;  // ascending
  std::size_t at_ = 0;
};

// The segments of `input` for fixed service characters, found one byte at a time: whitespace
// before a tag is skipped, the release character takes the next byte literally, a segment ends
// at an unreleased terminator. No UNA, BOM or junk handling: for inputs made of plain segments.
inline std::vector<TokenRecord> reference_segments(std::string_view input, const ServiceChars& chars) {
  std::vector<TokenRecord> out;
  std::size_t i = 0;
  while (true) {
    while (i < input.size() && (input[i] == ' ' || input[i] == '\r' || input[i] == '\n' || input[i] == '\t')) ++i;
    if (i == input.size()) break;
    const std::size_t start = i;
    std::string tag;
    bool in_tag = true;
    while (i < input.size() && input[i] != chars.terminator) {
      if (chars.has_release() && input[i] == chars.release) {
        for (std::size_t k = i; in_tag && k < i + 2 && k < input.size(); ++k) {
          if (input[k] != '\r' && input[k] != '\n') tag += input[k];
        }
        i += 2;
        continue;
      }
      if (input[i] == chars.element) in_tag = false;
      if (in_tag && input[i] != '\r' && input[i] != '\n') tag += input[i];
      ++i;
    }
    if (i >= input.size()) break;  // unterminated: the callers' inputs end with a terminator
    out.push_back(TokenRecord{tag.substr(0, Tag::kCapacity), std::string(input.substr(start, i - start)), start, chars});
    ++i;
  }
  return out;
}

// Sum of parse_segment's element and component counts over `segments`.
struct ParsedTotals {
  std::uint64_t elements = 0;
  std::uint64_t components = 0;
};

inline ParsedTotals parsed_totals(std::string_view input) {
  ParsedTotals totals;
  Tokenizer tok(input);
  RawSegment raw;
  Segment seg;
  while (tok.next(raw) == Errc::ok) {
    parse_segment(raw, seg);
    totals.elements += seg.element_count();
    totals.components += seg.total_components();
  }
  return totals;
}

}  // namespace edi::test
