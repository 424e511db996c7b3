// libFuzzer target for the EDIFACT core. Each input goes through:
//
//   1. analyze(): every finding inside the input, the error count right, message ranges in bounds;
//   2. the StreamReader, reading at most a few bytes per call (the number comes from the input):
//      exactly the Tokenizer's segments, result and error offset;
//   3. parse_segment + Writer on each segment: writing the parsed segment and parsing it again
//      gives the same segment;
//   4. the baseline parser: where it accepts the input the core returns the same segments, and
//      where it throws the core reports an error at the same offset.
//
// A broken property aborts with a message, which libFuzzer reports as a crash with the input.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DEDI_FUZZ=ON
//   cmake --build build/fuzz --target fuzz_core
//   build/fuzz/tests/fuzz/fuzz_core -max_total_time=60 build/fuzz/corpus data tests/fuzz/regressions
//
// fuzz_replay (always built) runs files through the same function without libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edi/edi.hpp"

namespace {

[[noreturn]] void fail(const char* property, std::size_t detail) {
  std::fprintf(stderr, "fuzz_core: broken property: %s (%zu)\n", property, detail);
  std::abort();
}

void require(bool ok, const char* property, std::size_t detail = 0) {
  if (!ok) fail(property, detail);
}

struct Token {
  std::string tag;
  std::string text;
  std::size_t offset;
  edi::ServiceChars chars;
  friend bool operator==(const Token&, const Token&) = default;
};

template <class Source>
edi::Errc drain(Source& source, std::size_t input_size, std::vector<Token>& out) {
  edi::RawSegment seg;
  edi::Errc rc;
  while ((rc = source.next(seg)) == edi::Errc::ok) {
    out.push_back(Token{std::string(seg.tag.view()), std::string(seg.text), seg.offset, seg.chars});
    require(out.size() <= input_size + 1, "a source returns more segments than bytes", out.size());
  }
  return rc;
}

void check_analyze(std::string_view input) {
  const edi::Structure s = edi::analyze(input);
  std::size_t errors = 0;
  for (const edi::Finding& f : s.findings) {
    require(f.position.offset <= input.size(), "finding offset inside the input", f.position.offset);
    require(f.position.line >= 1 && f.position.column >= 1, "finding line and column from 1");
    require(!f.code.empty() && !f.message.empty(), "finding with code and message");
    if (f.severity == edi::Severity::error) ++errors;
  }
  require(errors == s.errors, "error count equals error findings", errors);
  for (const edi::MessageInfo& m : s.messages) {
    require(m.begin <= m.end && m.end <= input.size(), "message range inside the input", m.begin);
  }
}

// Also returns the tokenizer's result, error offset and leading junk for the baseline check.
void check_stream(std::string_view input, std::size_t max_read, edi::Errc& result, std::size_t& error_offset,
                                std::size_t& leading_junk) {
  std::vector<Token> memory;
  edi::Tokenizer tok(input);
  result = drain(tok, input.size(), memory);
  error_offset = tok.error_offset();
  leading_junk = tok.leading_junk();
  require(result != edi::Errc::ok && result != edi::Errc::need_more_input, "tokenizer ends with a final result");
  if (result != edi::Errc::end_of_input) require(error_offset <= input.size(), "error offset inside the input", error_offset);

  edi::MemorySource source(input, max_read);
  edi::StreamReader reader(source, {.chunk_size = 4096, .max_segment_size = 1 << 20});
  std::vector<Token> streamed;
  const edi::Errc stream_result = drain(reader, input.size(), streamed);
  require(stream_result == result, "reader and tokenizer end alike", static_cast<std::size_t>(stream_result));
  require(streamed.size() == memory.size(), "reader and tokenizer count alike", streamed.size());
  for (std::size_t i = 0; i < memory.size(); ++i) require(streamed[i] == memory[i], "reader segment equals tokenizer segment", i);
  if (result != edi::Errc::end_of_input) {
    require(reader.error_offset() == error_offset, "reader and tokenizer error offsets", reader.error_offset());
  }
  require(reader.state().element_separators == tok.state().element_separators, "reader element count");
  require(reader.state().component_values == tok.state().component_values, "reader component count");
}

// parse(write(parse(raw))) == parse(raw), with the segment's own service characters.
void check_round_trip(std::string_view input) {
  edi::Tokenizer tok(input);
  edi::RawSegment raw;
  edi::Segment parsed;
  edi::Segment again;
  std::string written;
  while (tok.next(raw) == edi::Errc::ok) {
    // Tags are written as they are kept, which is not always as they were read: the first 16
    // bytes of a long tag, or a tag without its line breaks ("U\nNAD" is kept as "UNAD", which
    // written out starts a UNA; "A?\n+" leaves "A?", which written out releases the '+').
    if (raw.tag.truncated() || raw.tag.had_line_break()) continue;
    edi::parse_segment(raw, parsed);
    written.clear();
    try {
      edi::Writer(written, raw.chars, "").write(parsed);
    } catch (const std::invalid_argument&) {
      fail("a parsed segment can be written", raw.offset);  // parsed values never need what is missing
    }
    edi::TokenizerState state;
    state.chars = raw.chars;
    state.una_seen = true;
    state.at_start = false;
    edi::Tokenizer retok(written, state);
    edi::RawSegment raw_again;
    require(retok.next(raw_again) == edi::Errc::ok, "the written segment tokenizes", raw.offset);
    edi::parse_segment(raw_again, again);
    require(again == parsed, "write then parse is the identity", raw.offset);
    require(retok.next(raw_again) == edi::Errc::end_of_input, "the written segment is one segment", raw.offset);
  }
}

void check_baseline(std::string_view input, edi::Errc result, std::size_t error_offset, std::size_t leading_junk) {
  if (leading_junk > 0) return;  // the baseline does not skip junk
  std::vector<edi::baseline::Segment> expected;
  try {
    expected = edi::baseline::parse(input);
  } catch (const edi::baseline::ParseError& e) {
    require(result != edi::Errc::end_of_input, "the core rejects what the baseline rejects", e.offset());
    require(e.offset() == error_offset, "baseline and core error offsets", e.offset());
    return;
  }
  require(result == edi::Errc::end_of_input, "the core accepts what the baseline accepts", error_offset);
  std::vector<edi::Segment> segments;
  require(edi::parse_all(input, segments) == edi::Errc::end_of_input, "parse_all accepts what the tokenizer accepts");
  require(segments.size() == expected.size(), "baseline and core segment counts", segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (expected[i].tag.size() > edi::Tag::kCapacity) continue;  // the core keeps 16 bytes of a tag
    require(edi::baseline::from_core(segments[i]) == expected[i], "baseline segment equals core segment", i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_analyze(input);
  // Small reads put chunk boundaries everywhere; they grow with the input so that re-tokenizing
  // cut segments stays cheap enough to fuzz quickly.
  const std::size_t max_read = size == 0 ? 1 : 1 + data[size / 2] % 61 + size / 128;
  edi::Errc result;
  std::size_t error_offset = 0;
  std::size_t leading_junk = 0;
  check_stream(input, max_read, result, error_offset, leading_junk);
  check_round_trip(input);
  check_baseline(input, result, error_offset, leading_junk);
  return 0;
}
