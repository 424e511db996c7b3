// The owning model (Segment), parse_segment and the Writer: accessors, reuse without
// allocation, and the round trip parse(write(model)) == model over thousands of random models.
#include <gtest/gtest.h>

#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

Segment parse_one(std::string_view text, TokenizerState state = {}) {
  Tokenizer tok(text, state);
  RawSegment raw;
  Segment seg;
  EXPECT_EQ(tok.next(raw), Errc::ok) << text;
  parse_segment(raw, seg);
  return seg;
}

// The example at the top of segment.hpp.
TEST(Segment, HeaderExample) {
  const Segment nad = Segment::make("NAD", {{"BY"}, {"5412345000013", "", "9"}});
  EXPECT_EQ(nad.tag(), "NAD");
  EXPECT_EQ(nad.element_count(), 2u);
  EXPECT_EQ(nad.component(1, 0), "5412345000013");
  EXPECT_EQ(nad.component(1, 1), "");
  EXPECT_EQ(nad.component(1, 2), "9");
  EXPECT_EQ(nad.component(7, 0), "");
  EXPECT_EQ(nad.total_components(), 4u);
  EXPECT_EQ(parse_one("NAD+BY+5412345000013::9'"), nad);
}

// Reads outside the segment return "" and counts of 0, never garbage.
TEST(Segment, OutOfRangeReadsAreEmpty) {
  Segment ali = Segment::make("ALI", {{"DE"}, {"a", "b"}});
  ali.add_repetition({"NL", "x"});
  EXPECT_EQ(ali.component(0, 1), "");       // component past the end
  EXPECT_EQ(ali.component(1, 2, 1), "");    // of the second repetition
  EXPECT_EQ(ali.component(1, 0, 2), "");    // repetition past the end
  EXPECT_EQ(ali.component(2, 0), "");       // element past the end
  EXPECT_EQ(ali.repetition_count(2), 0u);
  EXPECT_EQ(ali.component_count(2), 0u);
  EXPECT_EQ(ali.component_count(1, 2), 0u);
  EXPECT_EQ(ali.component(1, 1, 1), "x");
  const Segment empty;
  EXPECT_EQ(empty.component(0, 0), "");
  EXPECT_EQ(empty.element_count(), 0u);
  EXPECT_EQ(empty.total_components(), 0u);
}

// An empty element holds one empty component; repetitions hang off the last element.
TEST(Segment, BuildingShapes) {
  Segment s("ATT");
  s.add_element({"2"}).add_element({}).add_element({"M"}).add_repetition({"F"}).add_repetition({});
  EXPECT_EQ(s.element_count(), 3u);
  EXPECT_EQ(s.component_count(1), 1u);
  EXPECT_EQ(s.component(1, 0), "");
  EXPECT_EQ(s.repetition_count(2), 3u);
  EXPECT_EQ(s.component(2, 0, 1), "F");
  EXPECT_EQ(s.component_count(2, 2), 1u);
  EXPECT_EQ(parse_one("UNA:+.?*'ATT+2++M*F*'"), s);
}

// parse_segment unescapes values, splits elements, components and repetitions.
TEST(ParseSegment, UnescapesAndSplits) {
  const Segment ftx = parse_one("FTX+AAI+++Price?: 5?+ units??:x?*y'");
  EXPECT_EQ(ftx.element_count(), 4u);
  EXPECT_EQ(ftx.component(3, 0), "Price: 5+ units?");
  EXPECT_EQ(ftx.component(3, 1), "x*y");
  const Segment v4 = parse_one("UNA:+.?*'ALI+DE*NL?*X*'");
  ASSERT_EQ(v4.repetition_count(0), 3u);
  EXPECT_EQ(v4.component(0, 0, 1), "NL*X");
  EXPECT_EQ(v4.component(0, 0, 2), "");
}

// "DTM'" has no elements; "DTM+'" one empty element; runs of empty elements are kept.
TEST(ParseSegment, EmptySegmentsAndElements) {
  EXPECT_EQ(parse_one("DTM'").element_count(), 0u);
  const Segment one = parse_one("DTM+'");
  EXPECT_EQ(one.element_count(), 1u);
  EXPECT_EQ(one.component(0, 0), "");
  const Segment nad = parse_one("NAD+BY++++'");
  EXPECT_EQ(nad.element_count(), 5u);
  EXPECT_EQ(nad.total_components(), 5u);
  const Segment pri = parse_one("PRI+AAA:12.50::'");
  EXPECT_EQ(pri.component_count(0), 4u);
}

// Custom characters and no release character.
TEST(ParseSegment, CustomServiceChars) {
  const Segment ftx = parse_one("UNA=*.? ~FTX*AAI***it's 5+6: ok?*=b~");
  EXPECT_EQ(ftx.component(3, 0), "it's 5+6: ok*");
  EXPECT_EQ(ftx.component(3, 1), "b");
  const Segment norel = parse_one("UNA:+. *'FTX+AAI+++why?*not'");
  EXPECT_EQ(norel.component(3, 0, 0), "why?");
  EXPECT_EQ(norel.component(3, 0, 1), "not");
  const Segment backslash = parse_one("UNA:+.\\ 'FTX+a\\+b\\\\'");
  EXPECT_EQ(backslash.component(0, 0), "a+b\\");
}

// clear() keeps every buffer: a reused Segment parses again without allocating.
TEST(Segment, ClearKeepsCapacityAndReuseAllocatesNothing) {
  const std::string input = sample("release_chars.edi") + sample("syntax4_una.edi");
  Segment seg;
  std::vector<RawSegment> raws;
  Tokenizer tok(input);
  RawSegment raw;
  while (tok.next(raw) == Errc::ok) raws.push_back(raw);
  ASSERT_GT(raws.size(), 30u);
  for (const RawSegment& r : raws) parse_segment(r, seg);  // warm up to the largest segment
  const std::size_t capacity = seg.capacity_bytes();
  EXPECT_GT(capacity, 0u);
  seg.clear();
  EXPECT_EQ(seg.capacity_bytes(), capacity);
  EXPECT_EQ(seg.element_count(), 0u);
  EXPECT_EQ(seg.tag(), "");

  std::size_t values = 0;
  AllocationCounter counter;
  for (const RawSegment& r : raws) {
    parse_segment(r, seg);
    values += seg.total_components();
  }
  const auto allocations = counter.allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(values, 100u);
  EXPECT_EQ(seg.capacity_bytes(), capacity);
}

// parse_all returns every segment, or those before the first input error and its offset.
TEST(ParseAll, StopsAtTheFirstError) {
  const std::string input = sample("una_default.edi");
  std::vector<Segment> segments;
  std::size_t error_offset = 1;
  EXPECT_EQ(parse_all(input, segments, &error_offset), Errc::end_of_input);
  EXPECT_EQ(segments.size(), 19u);
  const std::string cut = input.substr(0, input.find("UNT") + 5);
  segments.clear();
  EXPECT_EQ(parse_all(cut, segments, &error_offset), Errc::unterminated_segment);
  EXPECT_EQ(segments.size(), 17u);
  EXPECT_EQ(error_offset, input.find("UNT"));
}

// The example at the top of writer.hpp.
TEST(Writer, HeaderExample) {
  std::string out;
  Writer w(out);
  w.write_una();
  w.write(Segment::make("FTX", {{"AAI"}, {}, {}, {"Price: 5+ units?"}}));
  EXPECT_EQ(out, "UNA:+.? '\nFTX+AAI+++Price?: 5?+ units??'\n");
}

// Every service character in a value is released, the decimal mark never.
TEST(Writer, ReleasesServiceCharacters) {
  std::string out;
  Writer(out, ServiceChars::defaults(4), "").write(Segment::make("FTX", {{"a+b:c'd?e*f.g"}}));
  EXPECT_EQ(out, "FTX+a?+b?:c?'d??e?*f.g'");
  out.clear();
  Writer(out, ServiceChars::defaults(3), "\r\n").write(Segment::make("FTX", {{"a*b"}}));
  EXPECT_EQ(out, "FTX+a*b'\r\n");  // no repetition separator in syntax 3: '*' is data
  out.clear();
  Writer(out, ServiceChars{'=', '*', '.', '?', ' ', '~'}).write_una();
  EXPECT_EQ(out, "UNA=*.? ~\n");
}

// Without a release character a value holding a service character cannot be written: the
// writer throws std::invalid_argument and appends nothing, not even part of the segment.
TEST(Writer, NoReleaseCharThrowsAndAppendsNothing) {
  const ServiceChars no_release{':', '+', '.', ' ', '*', '\''};
  std::string out = "UNA:+. *'\n";
  const std::string before = out;
  Writer w(out, no_release);
  EXPECT_THROW(w.write(Segment::make("FTX", {{"AAI"}, {"fine"}, {"5+ units"}})), std::invalid_argument);
  EXPECT_EQ(out, before);
  EXPECT_THROW(w.write(Segment::make("FTX", {{"a*b"}})), std::invalid_argument);
  EXPECT_EQ(out, before);
  w.write(Segment::make("FTX", {{"why?"}}));  // '?' is no service character here
  EXPECT_EQ(out, before + "FTX+why?'\n");
}

// Repetitions need a repetition separator: syntax 3 rejects them, appending nothing.
TEST(Writer, RepetitionsWithoutSeparatorThrow) {
  Segment ali = Segment::make("ALI", {{"DE"}});
  ali.add_repetition({"NL"});
  std::string out = "x";
  Writer w(out, ServiceChars::defaults(3));
  EXPECT_THROW(w.write(ali), std::invalid_argument);
  EXPECT_EQ(out, "x");
  Writer(out, ServiceChars::defaults(4), "").write(ali);
  EXPECT_EQ(out, "xALI+DE*NL'");
}

// ---- the round trip ------------------------------------------------------------------------------

struct CharSet {
  const char* name;
  ServiceChars chars;
};

const CharSet kCharSets[] = {
    {"syntax 3", ServiceChars::defaults(3)},
    {"syntax 4", ServiceChars::defaults(4)},
    {"UNA=*.? ~", ServiceChars{'=', '*', '.', '?', ' ', '~'}},
    {"UNA:+.\\ '", ServiceChars{':', '+', '.', '\\', ' ', '\''}},
    {"UNA:+,?*'", ServiceChars{':', '+', ',', '?', '*', '\''}},
    {"UNA*@.?^#", ServiceChars{'*', '@', '.', '?', '^', '#'}},
    {"UNA:+. *'", ServiceChars{':', '+', '.', ' ', '*', '\''}},  // no release character
};

// Bytes values are drawn from: every service character of every set above, line breaks, a NUL,
// UTF-8 and letters.
const std::string kValueBytes = std::string("AZaz09 -/") + ":+.?*'=~\\,@^#" + "\r\n\t" + std::string(1, '\0') + "\xC3\xA9";

std::string random_value(SplitMix64& rng, const ServiceChars& chars) {
  std::string value;
  if (rng.below(4) == 0) return value;  // empty values are common
  const std::size_t length = 1 + rng.below(8);
  while (value.size() < length) {
    const char c = kValueBytes[rng.below(kValueBytes.size())];
    if (!chars.has_release() && chars.needs_release(c)) continue;  // unwritable without a release
    value += c;
  }
  return value;
}

std::string random_tag(SplitMix64& rng) {
  static constexpr std::string_view kTagChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (;;) {
    std::string tag(1, static_cast<char>('A' + rng.below(26)));
    const std::size_t size = rng.below(8) == 0 ? 2 + rng.below(3) : 3;  // mostly three, some 2 and 4
    while (tag.size() < size) tag += kTagChars[rng.below(kTagChars.size())];
    if (tag != "UNA") return tag;  // "UNA" starts a service string advice, not a segment
  }
}

Segment random_model(SplitMix64& rng, const ServiceChars& chars) {
  Segment model;
  model.set_tag(random_tag(rng));
  const std::size_t elements = rng.below(7);
  for (std::size_t e = 0; e < elements; ++e) {
    model.begin_element();
    const std::size_t repetitions = chars.has_repetition() ? 1 + rng.below(rng.below(3) == 0 ? 4 : 1) : 1;
    for (std::size_t r = 0; r < repetitions; ++r) {
      if (r > 0) model.begin_repetition();
      const std::size_t components = 1 + rng.below(rng.below(2) == 0 ? 5 : 1);
      for (std::size_t k = 0; k < components; ++k) model.add_component(random_value(rng, chars));
    }
  }
  return model;
}

// parse(write(model)) == model: random tags, elements, repetitions and components with every
// service character and empty values, under seven sets of service characters and three line
// layouts, several segments per text.
TEST(Writer, RoundTripIsTheIdentity) {
  constexpr std::uint64_t kCases = 3000;
  std::size_t segments_checked = 0;
  for (std::uint64_t seed = 1; seed <= kCases; ++seed) {
    SplitMix64 rng(seed);
    const CharSet& set = kCharSets[seed % std::size(kCharSets)];
    const std::string_view newline = seed % 3 == 0 ? "\n" : seed % 3 == 1 ? "\r\n" : "";
    std::vector<Segment> models;
    std::string text;
    Writer w(text, set.chars, newline);
    const std::size_t count = 1 + rng.below(4);
    for (std::size_t i = 0; i < count; ++i) {
      models.push_back(random_model(rng, set.chars));
      w.write(models.back());
    }
    // An explicit UNA is in force (no junk search, no UNB version switch): parse with its characters.
    Tokenizer tok(text, TokenizerState{.chars = set.chars, .una_seen = true, .at_start = false});
    RawSegment raw;
    Segment parsed;
    for (const Segment& model : models) {
      ASSERT_EQ(tok.next(raw), Errc::ok) << "seed " << seed << " (" << set.name << "): " << text;
      parse_segment(raw, parsed);
      ASSERT_EQ(parsed, model) << "seed " << seed << " (" << set.name << "): " << text;
      ++segments_checked;
    }
    ASSERT_EQ(tok.next(raw), Errc::end_of_input) << "seed " << seed << " (" << set.name << "): " << text;
  }
  EXPECT_GT(segments_checked, kCases * 2);
}

// The same round trip through a UNA the writer wrote: the tokenizer picks the characters up itself.
// Without a UNA, a UNB of syntax version 4 turns '*' on for the reader, and so for the writer:
// repetitions are written with '*' and a '*' in a value is released.
TEST(Writer, FollowsTheVersionFourRuleWithoutUna) {
  std::string out;
  edi::Writer w(out);  // syntax 3 defaults: no repetition separator yet
  const std::vector<edi::Segment> model = {
      edi::Segment::make("UNB", {{"UNOC", "4"}, {"A"}, {"B"}, {"261127", "1200"}, {"1"}}),
      edi::Segment::make("FTX", {{"AAI"}, {}, {}, {"5 * 3 cartons"}}),
      edi::Segment::make("ALI", {{"DE"}}).add_repetition({"NL"}),
  };
  for (const auto& seg : model) w.write(seg);
  EXPECT_NE(out.find("5 ?* 3"), std::string::npos) << out;
  EXPECT_NE(out.find("ALI+DE*NL'"), std::string::npos) << out;
  std::vector<edi::Segment> back;
  ASSERT_EQ(edi::parse_all(out, back), edi::Errc::end_of_input);
  EXPECT_EQ(back, model);
}

TEST(Writer, RoundTripThroughWrittenUna) {
  for (const CharSet& set : kCharSets) {
    SCOPED_TRACE(set.name);
    SplitMix64 rng(7);
    std::string text;
    Writer w(text, set.chars);
    w.write_una();
    std::vector<Segment> models;
    for (int i = 0; i < 50; ++i) {
      models.push_back(random_model(rng, set.chars));
      w.write(models.back());
    }
    std::vector<Segment> parsed;
    ASSERT_EQ(parse_all(text, parsed), Errc::end_of_input) << text;
    EXPECT_EQ(parsed, models);
  }
}

}  // namespace
}  // namespace edi::test
