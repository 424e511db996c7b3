// Graders of lesson 01: PooledMessageReader, the pooled parse path. Its segments are checked
// against the core's edi::parse_all on every sample file of data/ and on generated interchanges;
// "allocates nothing once warm" is counted with edi::test::AllocationCounter.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "message_reader.hpp"
#include "samples.hpp"
#include "segment_pool.hpp"

namespace edi {
// GoogleTest prints a segment as its tag and values instead of its bytes.
inline void PrintTo(const Segment& seg, std::ostream* os) {
  *os << "'" << seg.tag() << "'";
  for (std::size_t e = 0; e < seg.element_count(); ++e) {
    *os << " [";
    for (std::size_t c = 0; c < seg.component_count(e); ++c) *os << (c ? "|" : "") << seg.component(e, c);
    *os << "]";
  }
}
inline void PrintTo(Errc code, std::ostream* os) { *os << describe(code); }
}  // namespace edi

namespace {

using edi::Segment;
using edi::pooling::PooledMessageReader;
using edi::pooling::PooledSegment;
using edi::pooling::PoolOptions;
using edi::pooling::SegmentPool;

// reader.next() with a bound: a reader can never deliver more units than its input has bytes. A
// next() that keeps returning true fails the test here instead of running until the time limit
// (and filling memory with copies of units).
class BoundedReader {
 public:
  BoundedReader(PooledMessageReader& reader, std::size_t input_size) : reader_(reader), limit_(input_size + 1) {}
  bool next() {
    if (!reader_.next()) return false;
    if (++units_ <= limit_) return true;
    ADD_FAILURE() << "next() keeps returning true: more units than the input has bytes";
    return false;
  }

 private:
  PooledMessageReader& reader_;
  std::size_t limit_;
  std::size_t units_ = 0;
};

struct Unit {
  bool message = false;
  std::vector<Segment> segments;  // copies: the reader's segments go back at the next next()
};

struct ReadResult {
  std::vector<Unit> units;
  edi::Errc status = edi::Errc::ok;
  std::size_t error_offset = 0;
};

ReadResult read_units(SegmentPool& pool, const std::string& text) {
  ReadResult result;
  PooledMessageReader reader(pool, text);
  BoundedReader units(reader, text.size());
  while (units.next()) {
    Unit unit{reader.is_message(), {}};
    for (const PooledSegment& seg : reader.segments()) unit.segments.push_back(*seg);
    result.units.push_back(std::move(unit));
  }
  result.status = reader.status();
  result.error_offset = reader.error_offset();
  return result;
}

std::vector<Segment> concatenated(const ReadResult& r) {
  std::vector<Segment> all;
  for (const Unit& u : r.units) all.insert(all.end(), u.segments.begin(), u.segments.end());
  return all;
}

std::vector<std::string> tags(const Unit& unit) {
  std::vector<std::string> out;
  for (const Segment& s : unit.segments) out.emplace_back(s.tag());
  return out;
}

std::vector<std::string> generated_inputs() {
  std::vector<std::string> out;
  std::uint64_t seed = 21;
  for (const int syntax : {3, 4}) {
    for (const auto layout : {edi::Layout::lf, edi::Layout::crlf, edi::Layout::one_line}) {
      edi::GeneratorOptions opt;
      opt.seed = seed++;
      opt.messages = 60;
      opt.syntax = syntax;
      opt.layout = layout;
      opt.messages_per_interchange = 20;
      opt.groups = syntax == 4;
      out.push_back(edi::generate(opt));
    }
  }
  return out;
}

// Every segment, in order, equal to what edi::parse_all makes of the same input: sample files
// (UNA variants, release characters, syntax 4, broken envelopes, truncated input) and generated
// interchanges.
TEST(PooledMessageReader, DeliversTheSameSegmentsAsTheCore) {
  std::vector<std::pair<std::string, std::string>> inputs;
  for (auto& sample : edi::test::sample_files()) inputs.emplace_back(sample.name, std::move(sample.bytes));
  int n = 0;
  for (auto& text : generated_inputs()) inputs.emplace_back("generated #" + std::to_string(n++), std::move(text));
  SegmentPool pool;
  for (const auto& [name, text] : inputs) {
    std::vector<Segment> expected;
    std::size_t offset = 0;
    const edi::Errc rc = edi::parse_all(text, expected, &offset);
    const ReadResult got = read_units(pool, text);
    EXPECT_EQ(concatenated(got), expected) << name;
    EXPECT_EQ(got.status, rc) << name;
    if (rc != edi::Errc::end_of_input) {
      EXPECT_EQ(got.error_offset, offset) << name;
    }
    EXPECT_EQ(pool.stats().outstanding, 0u) << name;
  }
}

// A unit is a whole message, UNH to UNT, or one segment outside messages.
TEST(PooledMessageReader, UnitsAreMessagesOrSingleSegments) {
  for (const std::string& text : generated_inputs()) {
    SegmentPool pool;
    const ReadResult got = read_units(pool, text);
    std::size_t messages = 0;
    for (const Unit& unit : got.units) {
      ASSERT_FALSE(unit.segments.empty());
      if (unit.message) {
        ++messages;
        EXPECT_EQ(unit.segments.front().tag(), "UNH");
        EXPECT_EQ(unit.segments.back().tag(), "UNT");
        EXPECT_EQ(std::count_if(unit.segments.begin(), unit.segments.end(), [](const Segment& s) { return s.tag() == "UNH"; }), 1);
      } else {
        EXPECT_EQ(unit.segments.size(), 1u);
        EXPECT_NE(unit.segments.front().tag(), "UNH");
      }
    }
    EXPECT_EQ(messages, edi::analyze(text).messages.size());
  }
}

// A message without UNT ends before the next UNH, UNB, UNG, UNE or UNZ, which starts the next unit.
TEST(PooledMessageReader, UnterminatedMessageEndsBeforeTheNextEnvelopeSegment) {
  const std::string text =
      "UNB+UNOC:3+A+B+261127:1200+1'"
      "UNH+1+ORDERS:D:96A:UN'BGM+220+1'"
      "UNH+2+ORDERS:D:96A:UN'BGM+220+2'UNT+3+2'"
      "UNH+3+ORDERS:D:96A:UN'BGM+220+3'"
      "UNZ+3+1'";
  SegmentPool pool;
  const ReadResult got = read_units(pool, text);
  ASSERT_EQ(got.units.size(), 5u);
  using V = std::vector<std::string>;
  ASSERT_EQ(tags(got.units[0]), (V{"UNB"}));
  ASSERT_EQ(tags(got.units[1]), (V{"UNH", "BGM"}));
  ASSERT_EQ(tags(got.units[2]), (V{"UNH", "BGM", "UNT"}));
  ASSERT_EQ(tags(got.units[3]), (V{"UNH", "BGM"}));
  ASSERT_EQ(tags(got.units[4]), (V{"UNZ"}));
  EXPECT_FALSE(got.units[0].message);
  EXPECT_TRUE(got.units[1].message);
  EXPECT_TRUE(got.units[2].message);
  EXPECT_TRUE(got.units[3].message);
  EXPECT_FALSE(got.units[4].message);
  EXPECT_EQ(got.units[3].segments[1].component(1, 0), "3");
  EXPECT_EQ(got.status, edi::Errc::end_of_input);
}

// An input error ends reading: what came before it is delivered, then status() says what and where.
TEST(PooledMessageReader, AnInputErrorEndsReadingAfterWhatCameBefore) {
  const std::string text = "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'DTM+137:2026";
  SegmentPool pool;
  PooledMessageReader reader(pool, text);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.segments().size(), 1u);
  ASSERT_TRUE(reader.next());
  EXPECT_TRUE(reader.is_message());
  ASSERT_EQ(reader.segments().size(), 2u);
  EXPECT_EQ(reader.segments()[1]->tag(), "BGM");
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.status(), edi::Errc::unterminated_segment);
  EXPECT_EQ(reader.error_offset(), text.find("DTM"));
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

// The previous unit goes back to the pool when the next is read: only the current unit is out.
TEST(PooledMessageReader, GivesEachUnitBackBeforeTheNext) {
  edi::GeneratorOptions opt;
  opt.seed = 5;
  opt.messages = 30;
  const std::string text = edi::generate(opt);
  SegmentPool pool;
  std::size_t units = 0;
  {
    PooledMessageReader reader(pool, text);
    BoundedReader bounded(reader, text.size());
    while (bounded.next()) {
      ++units;
      EXPECT_EQ(pool.stats().outstanding, reader.segments().size());
    }
    EXPECT_EQ(pool.stats().outstanding, 0u);
    EXPECT_EQ(reader.status(), edi::Errc::end_of_input);
  }
  EXPECT_EQ(pool.stats().outstanding, 0u);
  EXPECT_GT(units, 30u);
  EXPECT_GT(pool.stats().reused, pool.stats().created) << "the segments of one message should serve the next";
}

// The pool grows to the longest unit, not to the whole input.
TEST(PooledMessageReader, PoolStaysAsSmallAsTheLongestUnit) {
  edi::GeneratorOptions opt;
  opt.seed = 8;
  opt.messages = 200;
  const std::string text = edi::generate(opt);
  SegmentPool pool({.block_segments = 8, .growth = edi::pooling::Growth::fixed});
  std::size_t longest = 0;
  std::size_t total = 0;
  PooledMessageReader reader(pool, text);
  BoundedReader units(reader, text.size());
  while (units.next()) {
    longest = std::max(longest, reader.segments().size());
    total += reader.segments().size();
  }
  EXPECT_LE(pool.stats().created, longest + 8);
  EXPECT_EQ(pool.stats().acquired, total);
}

// Once the pool has seen an input, reading it again allocates nothing at all.
TEST(PooledMessageReader, SecondPassAllocatesNothing) {
  for (const int syntax : {3, 4}) {
    edi::GeneratorOptions opt;
    opt.seed = 77;
    opt.messages = 300;
    opt.syntax = syntax;
    const std::string text = edi::generate(opt);
    SegmentPool pool;
    PooledMessageReader reader(pool, text);
    std::size_t first = 0;
    BoundedReader first_pass(reader, text.size());
    while (first_pass.next()) first += reader.segments().size();
    reader.reset(text);
    BoundedReader second_pass(reader, text.size());
    std::size_t second = 0;
    std::size_t values = 0;
    edi::test::AllocationCounter allocations;
    while (second_pass.next()) {
      for (const PooledSegment& seg : reader.segments()) values += seg->total_components();
      second += reader.segments().size();
    }
    const auto counted = allocations.allocations();
    EXPECT_EQ(second, first);
    EXPECT_GT(values, second);
    EXPECT_EQ(counted, 0u) << "syntax " << syntax << ": " << counted << " allocations for " << second << " segments";
  }
}

// reset() starts over on another input; what was current goes back.
TEST(PooledMessageReader, ResetStartsOverOnAnotherInput) {
  const std::string first = "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNZ+1+1'";
  const std::string second = "UNA:+,? 'UNB+UNOC:3+C+D+261127:1200+7'UNZ+0+7'";
  SegmentPool pool;
  PooledMessageReader reader(pool, first);
  ASSERT_TRUE(reader.next());
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(pool.stats().outstanding, 3u);
  reader.reset(second);
  EXPECT_EQ(pool.stats().outstanding, 0u);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.segments()[0]->component(1, 0), "C");
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.segments()[0]->tag(), "UNZ");
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.status(), edi::Errc::end_of_input);
}

// reset() while a segment that ended an unterminated message waits to start the next unit: that
// segment goes back too, and the new input starts with its own first segment.
TEST(PooledMessageReader, ResetDropsTheSegmentCarriedToTheNextUnit) {
  const std::string first = "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNZ+1+1'";
  const std::string second = "UNB+UNOC:3+C+D+261127:1200+7'UNZ+0+7'";
  SegmentPool pool;
  {
    PooledMessageReader reader(pool, first);
    ASSERT_TRUE(reader.next());
    ASSERT_TRUE(reader.next());
    ASSERT_EQ(reader.segments().size(), 2u);  // UNH BGM; UNZ waits for the next unit
    EXPECT_EQ(pool.stats().outstanding, 3u);
    reader.reset(second);
    EXPECT_EQ(pool.stats().outstanding, 0u) << "reset() kept a segment of the old input";
    EXPECT_TRUE(reader.segments().empty());
    EXPECT_FALSE(reader.is_message());
    std::vector<std::string> got;
    BoundedReader units(reader, second.size());
    while (units.next()) {
      for (const PooledSegment& seg : reader.segments()) got.emplace_back(seg->tag());
      EXPECT_FALSE(reader.is_message());
    }
    EXPECT_EQ(got, (std::vector<std::string>{"UNB", "UNZ"}));
    EXPECT_EQ(reader.status(), edi::Errc::end_of_input);
  }
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

// Every envelope segment ends an open message (UNH, UNB, UNG, UNE, UNZ), several times in a row,
// and a segment that is none of them stays in the message.
TEST(PooledMessageReader, EachEnvelopeSegmentEndsAnOpenMessage) {
  const std::string text =
      "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNG+ORDERS+A+B+261127:1200+1+UN+D:96A'"
      "UNH+1+ORDERS:D:96A:UN'BGM+220+1'"
      "UNH+2+ORDERS:D:96A:UN'BGM+220+2'"
      "UNE+2+1'UNG+ORDERS+A+B+261127:1200+2+UN+D:96A'"
      "UNH+3+ORDERS:D:96A:UN'BGM+220+3'UNG+ORDERS+A+B+261127:1200+3+UN+D:96A'"
      "UNH+4+ORDERS:D:96A:UN'BGM+220+4'UNE+1+3'"
      "UNH+5+ORDERS:D:96A:UN'BGM+220+5'UNB+UNOC:3+A+B+261127:1200+2'"
      "UNH+6+ORDERS:D:96A:UN'DTM+137:20261127:102'UNT+3+6'"
      "UNH+7+ORDERS:D:96A:UN'BGM+220+7'UNZ+7+2'";
  SegmentPool pool;
  const ReadResult got = read_units(pool, text);
  using V = std::vector<std::string>;
  const std::vector<std::pair<bool, V>> expected = {
      {false, {"UNB"}}, {false, {"UNG"}}, {true, {"UNH", "BGM"}}, {true, {"UNH", "BGM"}},  {false, {"UNE"}},
      {false, {"UNG"}}, {true, {"UNH", "BGM"}}, {false, {"UNG"}}, {true, {"UNH", "BGM"}}, {false, {"UNE"}},
      {true, {"UNH", "BGM"}}, {false, {"UNB"}}, {true, {"UNH", "DTM", "UNT"}}, {true, {"UNH", "BGM"}}, {false, {"UNZ"}}};
  ASSERT_EQ(got.units.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(got.units[i].message, expected[i].first) << "unit " << i;
    EXPECT_EQ(tags(got.units[i]), expected[i].second) << "unit " << i;
  }
  EXPECT_EQ(got.units[3].segments[1].component(1, 0), "2");
  EXPECT_EQ(got.units[13].segments[1].component(1, 0), "7");
  EXPECT_EQ(got.status, edi::Errc::end_of_input);
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

// Input that ends inside a message (no UNT, no error): the unfinished message is the last unit,
// and once next() says there is no more, nothing is left out of the pool and no unit is current.
TEST(PooledMessageReader, InputEndingInsideAMessageLeavesNothingOut) {
  for (const std::string text : {"UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNH+2+ORDERS:D:96A:UN'BGM+220+2'DTM+137:20261127:102'",
                                 "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNH+2+ORDERS:D:96A:UN'"}) {
    SegmentPool pool;
    {
      PooledMessageReader reader(pool, text);
      BoundedReader units(reader, text.size());
      std::vector<std::vector<std::string>> got;
      bool last_is_message = false;
      while (units.next()) {
        got.emplace_back();
        for (const PooledSegment& seg : reader.segments()) got.back().emplace_back(seg->tag());
        last_is_message = reader.is_message();
      }
      ASSERT_FALSE(got.empty());
      EXPECT_EQ(got.back().front(), "UNH") << text;
      EXPECT_TRUE(last_is_message) << text;
      EXPECT_EQ(reader.status(), edi::Errc::end_of_input);
      EXPECT_EQ(pool.stats().outstanding, 0u) << text;
      EXPECT_TRUE(reader.segments().empty()) << text;
      EXPECT_FALSE(reader.is_message()) << "is_message() still describes a unit given back: " << text;
      EXPECT_FALSE(reader.next());
      EXPECT_EQ(pool.stats().outstanding, 0u) << text;
    }
    EXPECT_EQ(pool.stats().outstanding, 0u) << text;
  }
}

// A reader destroyed in the middle of an input, while a segment waits to start the next unit,
// gives everything back: the pool can be destroyed right after it.
TEST(PooledMessageReader, DestroyedMidInputGivesEverythingBack) {
  const std::string text =
      "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNH+2+ORDERS:D:96A:UN'BGM+220+2'UNT+3+2'UNZ+2+1'";
  SegmentPool pool;
  {
    PooledMessageReader reader(pool, text);
    ASSERT_TRUE(reader.next());
    ASSERT_TRUE(reader.next());
    EXPECT_EQ(reader.segments().size(), 2u);
    EXPECT_EQ(pool.stats().outstanding, 3u);  // the unit and the UNH that starts the next one
  }
  EXPECT_EQ(pool.stats().outstanding, 0u);
  EXPECT_EQ(pool.stats().acquired, 4u);
}

// A bounded pool too small for a message: next() throws PoolExhausted, and the reader destroyed
// afterwards gives back what it held.
TEST(PooledMessageReader, PoolExhaustedMidMessageLeavesNothingOut) {
  const std::string text = "UNH+1+ORDERS:D:96A:UN'BGM+220+1'DTM+137:20261127:102'NAD+BY+1'UNT+5+1'";
  SegmentPool pool({.block_segments = 2, .max_segments = 3});
  {
    PooledMessageReader reader(pool, text);
    EXPECT_THROW((void)reader.next(), edi::pooling::PoolExhausted);
  }
  EXPECT_EQ(pool.stats().outstanding, 0u);
  EXPECT_EQ(pool.stats().created, 3u);
}

// No segments, no units.
TEST(PooledMessageReader, EmptyInputHasNoUnits) {
  SegmentPool pool;
  const std::string empty = "\r\n";
  PooledMessageReader reader(pool, empty);
  EXPECT_FALSE(reader.next());
  EXPECT_TRUE(reader.segments().empty());
  EXPECT_EQ(reader.status(), edi::Errc::end_of_input);
  EXPECT_EQ(pool.stats().acquired, 0u);
}

}  // namespace
