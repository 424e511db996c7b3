// The chunked StreamReader: wherever the chunk boundaries fall, it returns exactly the segments
// of the in-memory Tokenizer, keeps escapes cut by a boundary, stays in bounded memory, and
// reports over-long segments and positions correctly.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

// Inputs for the chunking tests: every sample, generated syntax 3 and 4, CR LF, one line.
const std::vector<Sample>& stream_inputs() {
  static const std::vector<Sample> inputs = [] {
    std::vector<Sample> v = sample_files();
    v.push_back({"generated syntax 3", generated({.seed = 21, .messages = 6})});
    v.push_back({"generated syntax 4", generated({.seed = 22, .messages = 6, .syntax = 4})});
    v.push_back({"generated crlf", generated({.seed = 23, .messages = 6, .layout = Layout::crlf})});
    v.push_back({"generated one line", generated({.seed = 24, .messages = 6, .syntax = 4, .layout = Layout::one_line})});
    return v;
  }();
  return inputs;
}

void expect_same_run(const TokenRun& stream, const TokenRun& memory) {
  ASSERT_EQ(stream.result, memory.result);
  if (memory.result != Errc::end_of_input) {
    EXPECT_EQ(stream.error_offset, memory.error_offset);
  }
  ASSERT_EQ(stream.segments.size(), memory.segments.size());
  for (std::size_t i = 0; i < memory.segments.size(); ++i) ASSERT_EQ(stream.segments[i], memory.segments[i]) << "segment " << i;
  EXPECT_EQ(stream.element_separators, memory.element_separators);
  EXPECT_EQ(stream.component_values, memory.component_values);
}

// Reads of every size from 1 to 70 bytes give the Tokenizer's segments (tag, text, offset, chars).
TEST(StreamReader, EveryReadSizeGivesTheTokenizersSegments) {
  for (const Sample& input : stream_inputs()) {
    SCOPED_TRACE(input.name);
    const TokenRun memory = tokenize_all(input.bytes);
    ASSERT_EQ(memory.result, Errc::end_of_input);
    for (std::size_t max_read = 1; max_read <= 70; ++max_read) {
      SCOPED_TRACE(testing::Message() << "max_read " << max_read);
      expect_same_run(stream_all(input.bytes, max_read), memory);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
}

// Chunk sizes from 4 KiB to 64 KiB, odd ones included, over a 300 KB input.
TEST(StreamReader, ChunkSizesGiveTheTokenizersSegments) {
  const std::string input = generated({.seed = 25, .target_bytes = 300'000, .syntax = 4});
  const TokenRun memory = tokenize_all(input);
  for (const std::size_t chunk : {4096u, 4097u, 5000u, 8192u, 12'345u, 16'384u, 65'536u}) {
    SCOPED_TRACE(testing::Message() << "chunk " << chunk);
    expect_same_run(stream_all(input, static_cast<std::size_t>(-1), chunk), memory);
    expect_same_run(stream_all(input, 1000, chunk), memory);
  }
}

// A chunk boundary right after a release character keeps the escape ("FTX+AAA+++a?" | "+b'"):
// the npm parsers return one extra element here and no error.
TEST(StreamReader, BoundaryAfterReleaseKeepsEscape) {
  const std::string input = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'FTX+AAA+++a?+b'UNZ+0+1'";
  const std::size_t release = input.find("a?+") + 1;
  CutSource source(input, {release + 1});  // the first read ends with the '?'
  StreamReader reader(source);
  RawSegment raw;
  ASSERT_EQ(reader.next(raw), Errc::ok);
  ASSERT_EQ(reader.next(raw), Errc::ok);
  EXPECT_EQ(raw.text, "FTX+AAA+++a?+b");
  Segment seg;
  parse_segment(raw, seg);
  EXPECT_EQ(seg.element_count(), 4u);
  EXPECT_EQ(seg.component(3, 0), "a+b");
  ASSERT_EQ(reader.next(raw), Errc::ok);
  EXPECT_EQ(raw.tag, "UNZ");
  EXPECT_EQ(reader.next(raw), Errc::end_of_input);
}

// Two cuts at every pair of positions of a short input with every escape case.
TEST(StreamReader, EveryPairOfCutsGivesTheTokenizersSegments) {
  const std::string input =
      "\xEF\xBB\xBFUNA:+.?*'UNB+UNOC:4+A+B+1'FTX+AAA+++a?+b?:c?'d??'FTX+x??*y*z?*'\r\nDTM'UNZ+0+1'";
  const TokenRun memory = tokenize_all(input);
  ASSERT_EQ(memory.segments.size(), 5u);
  for (std::size_t a = 1; a < input.size(); ++a) {
    for (std::size_t b = a; b < input.size(); ++b) {
      CutSource source(input, {a, b});
      StreamReader reader(source);
      expect_same_run(drain(reader, input.size()), memory);
      if (testing::Test::HasFatalFailure()) FAIL() << "cuts at " << a << " and " << b;
    }
  }
}

// Memory stays at the chunk size however long the input: 20 MB through a 64 KiB buffer.
TEST(StreamReader, PeakBufferStaysAtChunkSize) {
  GeneratorOptions options{.seed = 26, .target_bytes = 20u << 20};
  std::string input;
  const GeneratedSummary summary = generate(options, [&](std::string_view piece) { input.append(piece); });
  ASSERT_GE(input.size(), 20u << 20);
  MemorySource source(input, 100'000);
  StreamReader reader(source, {.chunk_size = 64 << 10});
  RawSegment seg;
  std::size_t segments = 0;
  Errc rc;
  while ((rc = reader.next(seg)) == Errc::ok) ++segments;
  EXPECT_EQ(rc, Errc::end_of_input);
  EXPECT_EQ(segments, summary.segments);
  EXPECT_EQ(reader.bytes_read(), input.size());
  EXPECT_EQ(reader.peak_buffer_bytes(), 64u << 10);
}

// A buffer smaller than 4 KiB is raised to 4 KiB (the leading junk window).
TEST(StreamReader, ChunkSizeHasAFloor) {
  const std::string input = sample("una_default.edi");
  MemorySource source(input);
  StreamReader reader(source, {.chunk_size = 16});
  const TokenRun run = drain(reader, input.size());
  EXPECT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(reader.peak_buffer_bytes(), 4096u);
}

// White space before the first segment, or between two, is not part of a segment: however much of
// it there is (many times the reader's limit here), it never counts toward the limit, and the
// buffer stays at its chunk size. (edi_tool_test.py runs the case as met: 16 MiB of blank lines
// before a valid interchange, against the default limit.)
TEST(StreamReader, BlankLinesOfAnyLengthAreNotASegment) {
  const auto blanks = [](std::size_t size) {
    std::string b;
    while (b.size() < size) b += "\r\n \t\n";
    return b;
  };
  const std::string interchange = "UNB+UNOC:3+A+B+1'\nUNH+1+ORDERS:D:96A:UN'\nUNT+2+1'\nUNZ+1+1'\n";
  const std::string many = blanks(1 << 20);
  const std::string before = many + interchange;
  const std::string between = "UNB+UNOC:3+A+B+1'" + many + "UNH+1+ORDERS:D:96A:UN'\nUNT+2+1'\nUNZ+1+1'\n";
  const std::string bom_then_blanks = "\xEF\xBB\xBF" + many + interchange;
  for (const std::string* input : {&before, &between, &bom_then_blanks}) {
    for (const std::size_t max_read : {std::size_t{1000}, std::size_t{1} << 20}) {
      SCOPED_TRACE(testing::Message() << "input " << (input - &before) << ", max_read " << max_read);
      MemorySource source(*input, max_read);
      StreamReader reader(source, {.chunk_size = 4096, .max_segment_size = 16 * 1024});
      const TokenRun run = drain(reader, input->size());
      ASSERT_EQ(run.result, Errc::end_of_input);
      ASSERT_EQ(run.segments.size(), 4u);
      EXPECT_EQ(run.segments[3].offset, input->size() - std::string_view("UNZ+1+1'\n").size());
      EXPECT_EQ(reader.peak_buffer_bytes(), 4096u);
      EXPECT_EQ(reader.state().leading_junk, 0u);
      EXPECT_EQ(reader.state().bom, input == &bom_then_blanks);
    }
  }
}

// Blank lines consumed across reads do not change what follows them: a BOM after white space is
// junk, as for the in-memory Tokenizer, whatever the reads.
TEST(StreamReader, BlankStartAcrossReadsMatchesTheTokenizer) {
  const std::string input = "\n\r\n  \xEF\xBB\xBFUNB+UNOC:3+A+B+1'UNZ+0+1'";
  Tokenizer whole(input);
  const TokenRun memory = drain(whole, input.size());
  ASSERT_EQ(memory.result, Errc::end_of_input);
  for (std::size_t max_read = 1; max_read <= input.size(); ++max_read) {
    SCOPED_TRACE(max_read);
    MemorySource source(input, max_read);
    StreamReader reader(source);
    expect_same_run(drain(reader, input.size()), memory);
    EXPECT_EQ(reader.state().leading_junk, whole.state().leading_junk);
    EXPECT_EQ(reader.state().bom, whole.state().bom);
  }
}

// A segment longer than max_segment_size: Errc::segment_too_long at its first byte, after the
// segments before it were returned; a segment that just fits is read.
TEST(StreamReader, SegmentTooLong) {
  constexpr std::size_t kLimit = 8192;
  const std::string head = "UNB+UNOC:3+A+B+1'\nUNH+1+ORDERS:D:96A:UN'\n";
  for (const std::size_t text_size : {kLimit - 1, kLimit, kLimit + 1, 3 * kLimit}) {
    SCOPED_TRACE(text_size);
    const std::string long_segment = "FTX+AAI+++" + std::string(text_size - 10, 'x');
    const std::string input = head + long_segment + "'UNT+3+1'";
    for (const std::size_t max_read : {7u, 4096u, 100'000u}) {
      MemorySource source(input, max_read);
      StreamReader reader(source, {.chunk_size = 4096, .max_segment_size = kLimit});
      const TokenRun run = drain(reader, input.size());
      if (text_size + 1 <= kLimit) {  // the segment and its terminator fit
        EXPECT_EQ(run.result, Errc::end_of_input);
        EXPECT_EQ(run.segments.size(), 4u);
      } else {
        EXPECT_EQ(run.result, Errc::segment_too_long);
        EXPECT_EQ(run.error_offset, head.size());
        EXPECT_EQ(run.segments.size(), 2u);
      }
      EXPECT_LE(reader.peak_buffer_bytes(), kLimit);
      RawSegment seg;
      if (run.result != Errc::end_of_input) {
        EXPECT_EQ(reader.next(seg), run.result);  // sticky
      }
    }
  }
}

// locate() through the reader gives the lines and columns of the whole input, across chunks.
TEST(StreamReader, LocateAcrossChunkBoundaries) {
  const std::string input = generated({.seed = 27, .target_bytes = 40'000, .layout = Layout::crlf}) +
                            generated({.seed = 28, .target_bytes = 20'000, .layout = Layout::one_line});
  for (const std::size_t max_read : {1u, 13u, 4096u, 5000u}) {
    SCOPED_TRACE(max_read);
    MemorySource source(input, max_read);
    StreamReader reader(source, {.chunk_size = 4096});
    Tokenizer tok(input);
    RawSegment seg;
    std::size_t checked = 0;
    while (reader.next(seg) == Errc::ok) {
      // Every third segment, and its last byte: both still in the buffer.
      if (checked++ % 3 != 0) continue;
      ASSERT_EQ(reader.locate(seg.offset), tok.locate(seg.offset)) << seg.offset;
      const std::size_t last = seg.offset + seg.text.size();
      ASSERT_EQ(reader.locate(last), tok.locate(last)) << last;
    }
    EXPECT_EQ(reader.locate(input.size()), tok.locate(input.size()));
    EXPECT_GT(reader.locate(input.size()).line, 1000u);
  }
}

// Input errors come out of the reader as from the tokenizer, with the same offset.
TEST(StreamReader, ErrorsMatchTheTokenizer) {
  const std::string base = sample("release_chars.edi");
  const std::vector<std::string> inputs = {
      base.substr(0, base.size() - 20),       // unterminated
      base.substr(0, base.find("a?+b") + 2),  // release at the end
      "UNA:+.",                               // truncated UNA
      "UNB+1'UNZ+0+1'\nUNA::.? 'UNB+2'",      // invalid UNA
      "\xEF\xBB\xBF\r\n",                     // nothing but a BOM and a line break
      "",
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    const TokenRun memory = tokenize_all(input);
    for (const std::size_t max_read : {1u, 2u, 3u, 5u, 64u, 4096u}) {
      expect_same_run(stream_all(input, max_read), memory);
    }
  }
}

// collect_stats through the reader counts what it counts through the tokenizer.
TEST(StreamReader, StatsMatchTheTokenizer) {
  const std::string input = generated({.seed = 29, .messages = 40, .syntax = 4, .groups = true});
  Tokenizer tok(input);
  Stats from_tokenizer;
  ASSERT_EQ(collect_stats(tok, from_tokenizer), Errc::end_of_input);
  MemorySource source(input, 333);
  StreamReader reader(source);
  Stats from_reader;
  ASSERT_EQ(collect_stats(reader, from_reader), Errc::end_of_input);
  EXPECT_EQ(from_reader.segments, from_tokenizer.segments);
  EXPECT_EQ(from_reader.elements, from_tokenizer.elements);
  EXPECT_EQ(from_reader.components, from_tokenizer.components);
  EXPECT_EQ(from_reader.message_types, from_tokenizer.message_types);
}

// Each test gets its own file, written in SetUp and removed in TearDown.
class FileSourceTest : public testing::Test {
 protected:
  void SetUp() override {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("edi_core_tests_" + std::to_string(::getpid()) + "_" + test->name() + ".edi");
    bytes_ = generated({.seed = 30, .target_bytes = 50'000, .layout = Layout::crlf});
    std::ofstream(path_, std::ios::binary) << bytes_;
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::filesystem::path path_;
  std::string bytes_;
};

// FileSource reads the file with read(2): the reader returns the tokenizer's segments.
TEST_F(FileSourceTest, ReadsTheWholeFile) {
  FileSource file(path_.string());
  StreamReader reader(file, {.chunk_size = 4096});
  expect_same_run(drain(reader, bytes_.size()), tokenize_all(bytes_));
  EXPECT_EQ(reader.bytes_read(), bytes_.size());
}

// A file that cannot be opened throws std::system_error naming the path.
TEST_F(FileSourceTest, MissingFileThrows) {
  std::filesystem::remove(path_);
  try {
    FileSource file(path_.string());
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path_.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edi::test
