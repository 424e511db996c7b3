// The usage examples at the top of the core's headers, compiled and checked: each TEST holds one
// header's example as it is written there, with the results its comments state asserted. When a
// header's example changes, its TEST here changes with it.
//
// Where an example leaves something out ("...", a file name, the input), the TEST supplies it and
// says so; an example that shows a bare call with its result in a comment (`f(x);  // true`) is
// asserted as EXPECT_EQ(f(x), true), since a [[nodiscard]] result cannot be dropped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "edi/edi.hpp"
#include "test_helpers.hpp"

namespace {

// Sends what `stream` prints to a string for as long as it lives.
class CaptureStream {
 public:
  explicit CaptureStream(std::ostream& stream) : stream_(stream), saved_(stream.rdbuf(captured_.rdbuf())) {}
  ~CaptureStream() { stream_.rdbuf(saved_); }
  CaptureStream(const CaptureStream&) = delete;
  CaptureStream& operator=(const CaptureStream&) = delete;
  std::string text() const { return captured_.str(); }

 private:
  std::ostream& stream_;
  std::ostringstream captured_;
  std::streambuf* saved_;
};

// Runs a test in a fresh directory, so that examples naming a file ("orders.edi") open it as
// they are written; the working directory is restored afterwards.
class InTemporaryDirectory {
 public:
  explicit InTemporaryDirectory(std::string_view name)
      : saved_(std::filesystem::current_path()),
        dir_(std::filesystem::path(testing::TempDir()) / ("edi_header_examples_" + std::string(name))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::filesystem::current_path(dir_);
  }
  ~InTemporaryDirectory() {
    std::filesystem::current_path(saved_);
    std::error_code ignored;  // a leftover temporary directory is not worth failing a test for
    std::filesystem::remove_all(dir_, ignored);
  }
  InTemporaryDirectory(const InTemporaryDirectory&) = delete;
  InTemporaryDirectory& operator=(const InTemporaryDirectory&) = delete;

  static void write(const std::string& file, std::string_view bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  std::filesystem::path saved_;
  std::filesystem::path dir_;
};

// A message of `type` with one free-text segment: four segments, UNH..UNT.
std::string message(std::string_view type, int reference) {
  const std::string ref = std::to_string(reference);
  return "UNH+" + ref + "+" + std::string(type) + ":D:96A:UN'BGM+220+PO-" + ref + "+9'FTX+AAI+++note'UNT+4+" + ref +
         "'";
}

// error.hpp: an input error is reported by the code and the object that returned it.
TEST(HeaderExamples, Error) {
  // The example's input: complete segments up to byte 812, then a segment without terminator.
  std::string input = "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'";
  while (input.size() + 20 + 11 <= 812) input += "FTX+AAI+++some note'";  // 20 bytes
  input += "FTX+AAI+++" + std::string(812 - input.size() - 11, 'x') + "'";
  ASSERT_EQ(input.size(), 812u);
  input += "UNT+3+1";
  int segments = 0;
  const CaptureStream cerr(std::cerr);

  edi::Tokenizer tok(input);
  edi::RawSegment seg;
  edi::Errc rc;
  while ((rc = tok.next(seg)) == edi::Errc::ok) { ++segments; }
  if (rc != edi::Errc::end_of_input)
    std::cerr << edi::describe(rc) << " at byte " << tok.error_offset() << '\n';

  EXPECT_EQ(cerr.text(),
            "unterminated segment: expected the segment terminator before the end of input at byte 812\n");
  EXPECT_GT(segments, 2);
}

// tokenizer.hpp: segments as they sit in the buffer.
TEST(HeaderExamples, Tokenizer) {
  std::vector<std::pair<std::string, std::string>> seen;  // tag, data

  std::string_view input = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'...";
  edi::Tokenizer tok(input);
  edi::RawSegment seg;
  while (tok.next(seg) == edi::Errc::ok) {
    // 1st: seg.tag == "UNB", seg.data == "+UNOC:3+A+B+261127:1200+1"
    // 2nd: seg.tag == "UNH", seg.data == "+1+ORDERS:D:96A:UN"
    seen.emplace_back(seg.tag.view(), seg.data);
  }

  // The example's "..." is taken literally: an unterminated third segment that ends the loop.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, "UNB");
  EXPECT_EQ(seen[0].second, "+UNOC:3+A+B+261127:1200+1");
  EXPECT_EQ(seen[1].first, "UNH");
  EXPECT_EQ(seen[1].second, "+1+ORDERS:D:96A:UN");
}

// segment.hpp: the owning model, built from literals and parsed from a RawSegment.
TEST(HeaderExamples, Segment) {
  edi::Segment nad = edi::Segment::make("NAD", {{"BY"}, {"5412345000013", "", "9"}});
  EXPECT_EQ(nad.element_count(), 2u);
  EXPECT_EQ(nad.component(1, 0), "5412345000013");
  EXPECT_EQ(nad.component(1, 2), "9");
  EXPECT_EQ(nad.component(7, 0), "");

  // `raw`, which the example takes from the tokenizer, with a released '+'.
  edi::Tokenizer tok("FTX+AAI+++5?+ units'");
  edi::RawSegment raw;
  ASSERT_EQ(tok.next(raw), edi::Errc::ok);

  edi::Segment seg;
  edi::parse_segment(raw, seg); // raw: an edi::RawSegment from the tokenizer; unescapes "?+" to "+"
  EXPECT_EQ(seg.component(3, 0), "5+ units");
}

// amount.hpp: exact fixed-point amounts.
TEST(HeaderExamples, Amount) {
  edi::Amount a, b;
  EXPECT_TRUE(edi::parse_amount("1202.58", '.', a));
  EXPECT_EQ(a.units, 12025800);
  EXPECT_TRUE(edi::parse_amount("410", '.', b));
  EXPECT_EQ(edi::to_string(a + b), "1612.58");
  EXPECT_TRUE(edi::parse_amount("12,5", ',', a));  // the decimal mark comes from the UNA
  EXPECT_EQ(a.units, 125000);
  EXPECT_FALSE(edi::parse_amount("12.34567", '.', a));  // more than four decimals
  EXPECT_EQ(a.units, 125000);  // and `a` is left alone
}

// baseline.hpp: the eager parser's nested vectors.
TEST(HeaderExamples, Baseline) {
  // The example's `text`: a NAD as the third segment.
  const std::string text = "UNH+1+ORDERS:D:96A:UN'BGM+220+PO-4711+9'NAD+BY+5412345000013::9'UNT+4+1'";

  std::vector<edi::baseline::Segment> segs = edi::baseline::parse(text);
  EXPECT_EQ(segs[2].tag, "NAD");
  EXPECT_EQ(segs[2].elements[1][0][2], "9");  // element 2, repetition 1, component 3
}

// envelope.hpp: the structural check and its findings.
TEST(HeaderExamples, Envelope) {
  // The example's input: a message whose UNH is on line 3 and whose UNT, on line 12, declares 21
  // segments where there are 18 (two segments on each of lines 4 to 11).
  std::string input = "UNA:+.? '\nUNB+UNOC:3+5412345000013:14+4012345000016:14+261127:1200+1'\nUNH+1+ORDERS:D:96A:UN'\n";
  for (int line = 4; line <= 11; ++line) input += "FTX+AAI+++first'FTX+AAI+++second'\n";
  input += "UNT+21+1'\nUNZ+1+1'\n";
  const CaptureStream cout(std::cout);

  edi::Structure s = edi::analyze(input);
  EXPECT_EQ(s.messages[0].type, "ORDERS");
  const std::size_t begin = s.messages[0].begin;
  const std::size_t end = s.messages[0].end;
  EXPECT_EQ(input.substr(begin, end - begin).substr(0, 4), "UNH+");
  EXPECT_EQ(input.substr(begin, end - begin).substr(end - begin - 9), "UNT+21+1'");
  for (const auto& f : s.findings) std::cout << edi::format(f, "orders.edi") << '\n';

  EXPECT_EQ(cout.text(),
            "orders.edi:12:1: error: UNT declares 21 segments; the message has 18 (UNH at line 3) [unt-count]\n");
}

// generator.hpp: the same seed and options give the same bytes.
TEST(HeaderExamples, Generator) {
  edi::GeneratorOptions opt;
  opt.seed = 7;
  opt.messages = 100;
  std::string text = edi::generate(opt);

  EXPECT_EQ(text, edi::generate(opt));
  EXPECT_EQ(edi::analyze(text).counts.messages, 100u);
}

// service_chars.hpp: the defaults and a UNA that changes them.
TEST(HeaderExamples, ServiceChars) {
  auto chars = edi::ServiceChars::defaults();
  EXPECT_EQ(chars, (edi::ServiceChars{':', '+', '.', '?', ' ', '\''}));  // (syntax 1-3)
  auto v4 = edi::ServiceChars::defaults(4);
  EXPECT_EQ(v4.repetition, '*');
  edi::ServiceChars custom;
  EXPECT_EQ(edi::parse_una("UNA=*.? ~", custom), edi::Errc::ok);
  EXPECT_EQ(custom.element, '*');
}

// stats.hpp: what `edi stats` counts.
TEST(HeaderExamples, Stats) {
  // The example's orders.edi: 120 messages, 42 of them ORDERS.
  const InTemporaryDirectory dir("stats");
  std::string text = "UNB+UNOC:3+A+B+261127:1200+1'";
  for (int m = 1; m <= 120; ++m) text += message(m <= 42 ? "ORDERS" : "INVOIC", m);
  text += "UNZ+120+1'";
  InTemporaryDirectory::write("orders.edi", text);

  edi::FileSource file("orders.edi");
  edi::StreamReader reader(file);
  edi::Stats stats;
  edi::Errc rc = edi::collect_stats(reader, stats);   // Errc::end_of_input when all was read
  EXPECT_EQ(rc, edi::Errc::end_of_input);
  EXPECT_EQ(stats.messages, 120u);
  EXPECT_EQ(stats.message_types["ORDERS"], 42u);
}

// stream.hpp: reading a file in chunks, in bounded memory.
TEST(HeaderExamples, Stream) {
  // The example's big.edi: several of the reader's chunks.
  const InTemporaryDirectory dir("stream");
  const std::string text = edi::generate({.seed = 3, .target_bytes = 1 << 20});
  InTemporaryDirectory::write("big.edi", text);
  std::size_t segments = 0;

  edi::FileSource file("big.edi");                    // throws std::system_error if it can't open
  edi::StreamReader reader(file, {.chunk_size = 256 * 1024});
  edi::RawSegment seg;
  edi::Errc rc;
  while ((rc = reader.next(seg)) == edi::Errc::ok) { ++segments; }
  // rc == Errc::end_of_input, or an input error at reader.error_offset()

  EXPECT_EQ(rc, edi::Errc::end_of_input);
  EXPECT_EQ(reader.bytes_read(), text.size());
  EXPECT_EQ(segments, edi::test::tokenize_all(text).segments.size());
  EXPECT_LT(reader.peak_buffer_bytes(), text.size());  // the memory is the buffer, not the file
  EXPECT_THROW(edi::FileSource("no such file.edi"), std::system_error);
}

// writer.hpp: values with service characters are released.
TEST(HeaderExamples, Writer) {
  std::string out;
  edi::Writer w(out);                       // default characters, a line break after each segment
  w.write_una();
  EXPECT_EQ(out, "UNA:+.? '\n");
  w.write(edi::Segment::make("FTX", {{"AAI"}, {}, {}, {"Price: 5+ units?"}}));
  EXPECT_EQ(out, "UNA:+.? '\nFTX+AAI+++Price?: 5?+ units??'\n");
}

}  // namespace
