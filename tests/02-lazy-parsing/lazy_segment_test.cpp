// Graders of lesson 02: the lazy segment view of lazy_segment.hpp. One suite per piece of the
// exercise. The expected values come from the core's eager parser (edi::parse_segment and the
// edi::Segment accessors) on every sample file in data/ and on generated interchanges; the
// allocation counts from edi::test::AllocationCounter.
#include <gtest/gtest.h>

#include <array>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "lazy_segment.hpp"
#include "samples.hpp"

namespace {

using edi::ServiceChars;
using edi::lazy::LazyElement;
using edi::lazy::LazySegment;
using edi::lazy::Splitter;

constexpr ServiceChars kV3 = ServiceChars::defaults(3);  // : + . ? (none) '
constexpr ServiceChars kV4 = ServiceChars::defaults(4);  // : + . ? * '

ServiceChars chars_of(std::string_view una) {
  ServiceChars chars;
  EXPECT_EQ(edi::parse_una(una, chars), edi::Errc::ok) << una;
  return chars;
}

struct Input {
  std::string name;
  std::string bytes;
};

// Runs of release characters next to separators, beyond what the samples have: "??+" separates,
// "???+" does not, "?*" is data in syntax 4, and a value ending in "??" before a separator.
const char* const kReleaseRuns =
    "UNA:+.?*'UNB+UNOC:4+A+B+261127:1200+1'UNH+1+ORDERS:D:01B:UN'"
    "FTX+AAI+++a?\?+b?\?\?+c+d?\?\?\?:e?*f*g?\?*h'"
    "FTX+AAI+++?+?:?*?\?*x++?\?'"
    "NAD+BY+?\?:?\?\?:+++'"
    "UNT+5+1'UNZ+1+1'";

std::vector<Input> make_generated() {
  std::vector<Input> out;
  std::uint64_t seed = 21;
  for (const int syntax : {3, 4}) {
    for (const auto layout : {edi::Layout::lf, edi::Layout::crlf, edi::Layout::one_line}) {
      edi::GeneratorOptions opt;
      opt.seed = seed++;
      opt.messages = 40;
      opt.syntax = syntax;
      opt.layout = layout;
      opt.messages_per_interchange = 15;
      opt.groups = layout == edi::Layout::crlf;
      out.push_back({"generated syntax " + std::to_string(syntax) + " seed " + std::to_string(opt.seed),
                     edi::generate(opt)});
    }
  }
  out.push_back({"release runs", kReleaseRuns});
  return out;
}

const std::vector<Input>& generated() {
  static const std::vector<Input> all = make_generated();
  return all;
}

const std::vector<edi::test::Sample>& samples() {
  static const std::vector<edi::test::Sample> all = edi::test::sample_files();
  return all;
}

// The grader's own unescaping, so that the structure suites do not depend on yours.
std::string reference_unescape(std::string_view raw, const ServiceChars& chars) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (chars.has_release() && raw[i] == chars.release && i + 1 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool inside(std::string_view view, std::string_view buffer) {
  const auto at = reinterpret_cast<std::uintptr_t>(view.data());
  const auto begin = reinterpret_cast<std::uintptr_t>(buffer.data());
  return at >= begin && at + view.size() <= begin + buffer.size();
}

std::string where(std::size_t index, const edi::RawSegment& raw) {
  return "segment " + std::to_string(index) + " at byte " + std::to_string(raw.offset) + " (" +
         std::string(raw.text.substr(0, 70)) + ")";
}

// The first difference between the lazy view (by index) and the eager parser over every segment
// of `text`, or "" when they agree: tag, counts, and each component's raw view (which must point
// into `text`) unescaped by the grader.
std::string first_difference_by_index(std::string_view text) {
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  edi::Segment eager;
  for (std::size_t index = 0; tok.next(raw) == edi::Errc::ok; ++index) {
    edi::parse_segment(raw, eager);
    const LazySegment lazy(raw);
    if (lazy.tag() != eager.tag()) return where(index, raw) + ": tag " + in_quotes(lazy.tag());
    if (lazy.element_count() != eager.element_count()) {
      return where(index, raw) + ": element_count() " + std::to_string(lazy.element_count()) + ", expected " +
             std::to_string(eager.element_count());
    }
    for (std::size_t e = 0; e < eager.element_count(); ++e) {
      const std::string at = where(index, raw) + ": element " + std::to_string(e);
      const LazyElement element = lazy.element(e);
      if (!element.present()) return at + " is not present()";
      if (element.repetition_count() != eager.repetition_count(e)) {
        return at + ": repetition_count() " + std::to_string(element.repetition_count()) + ", expected " +
               std::to_string(eager.repetition_count(e));
      }
      for (std::size_t r = 0; r < eager.repetition_count(e); ++r) {
        const std::string rep = at + " repetition " + std::to_string(r);
        if (element.component_count(r) != eager.component_count(e, r)) {
          return rep + ": component_count() " + std::to_string(element.component_count(r)) + ", expected " +
                 std::to_string(eager.component_count(e, r));
        }
        for (std::size_t c = 0; c < eager.component_count(e, r); ++c) {
          const std::string_view value = element.component(c, r);
          const std::string what = rep + " component " + std::to_string(c) + " " + in_quotes(value);
          if (!value.empty() && !inside(value, text)) return what + " is not a view into the input (a copy?)";
          const std::string_view direct = lazy.component(e, c, r);
          if (direct.data() != value.data() || direct.size() != value.size()) {
            return what + ": LazySegment::component gives " + in_quotes(direct) + " instead";
          }
          if (reference_unescape(value, raw.chars) != eager.component(e, c, r)) {
            return what + ": unescaped it is " + in_quotes(reference_unescape(value, raw.chars)) + ", expected " +
                   in_quotes(eager.component(e, c, r));
          }
        }
      }
    }
  }
  return "";
}

// A segment's values as `"BY" + "5412345000013" : "" : "9"` (' * ' between repetitions).
std::string shape(const edi::baseline::Segment& seg) {
  std::string out;
  for (std::size_t e = 0; e < seg.elements.size(); ++e) {
    if (e > 0) out += " + ";
    for (std::size_t r = 0; r < seg.elements[e].size(); ++r) {
      if (r > 0) out += " * ";
      for (std::size_t c = 0; c < seg.elements[e][r].size(); ++c) out += (c > 0 ? " : " : "") + in_quotes(seg.elements[e][r][c]);
    }
  }
  return out.empty() ? "no elements" : out;
}

// The same comparison through the ranges (elements(), repetitions(), components()), in the
// shape of the baseline parser: element -> repetitions -> components.
std::string first_difference_by_ranges(std::string_view text) {
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  edi::Segment eager;
  for (std::size_t index = 0; tok.next(raw) == edi::Errc::ok; ++index) {
    edi::parse_segment(raw, eager);
    const LazySegment lazy(raw);
    edi::baseline::Segment walked;
    walked.tag = std::string(lazy.tag());
    for (const LazyElement element : lazy.elements()) {
      auto& repetitions = walked.elements.emplace_back();
      for (const LazyElement repetition : element.repetitions()) {
        auto& components = repetitions.emplace_back();
        for (const std::string_view value : repetition.components()) {
          if (!value.empty() && !inside(value, text)) return where(index, raw) + ": " + in_quotes(value) + " is not a view into the input";
          components.push_back(reference_unescape(value, raw.chars));
        }
      }
    }
    const edi::baseline::Segment expected = edi::baseline::from_core(eager);
    if (walked != expected) {
      return where(index, raw) + ": the ranges give " + shape(walked) + ", expected " + shape(expected);
    }
  }
  return "";
}

// Every component of every segment of `text`, through `check(raw value, chars, eager value)`.
template <class Check>
std::string first_unescape_difference(std::string_view text, Check&& check) {
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  edi::Segment eager;
  for (std::size_t index = 0; tok.next(raw) == edi::Errc::ok; ++index) {
    edi::parse_segment(raw, eager);
    const LazySegment lazy(raw);
    for (std::size_t e = 0; e < eager.element_count(); ++e) {
      for (std::size_t r = 0; r < eager.repetition_count(e); ++r) {
        for (std::size_t c = 0; c < eager.component_count(e, r); ++c) {
          const std::string problem = check(lazy.component(e, c, r), raw.chars, eager.component(e, c, r));
          if (!problem.empty()) return where(index, raw) + ": " + problem;
        }
      }
    }
  }
  return "";
}

// --- FindSeparator: the scanning primitive ----------------------------------------------------

// The first separator, the first of another kind, and none at all.
TEST(FindSeparator, FindsTheFirstSeparator) {
  const std::string_view raw = "BY+5412345000013::9";
  EXPECT_EQ(edi::lazy::find_separator(raw, '+', kV3), 2u);
  EXPECT_EQ(edi::lazy::find_separator(raw, ':', kV3), 16u);
  EXPECT_EQ(edi::lazy::find_separator(raw, '*', kV3), raw.size());
  EXPECT_EQ(edi::lazy::find_separator("", '+', kV3), 0u);
}

// A released separator is data; the search goes on past it.
TEST(FindSeparator, SkipsReleasedSeparators) {
  EXPECT_EQ(edi::lazy::find_separator("50?+ cartons+x", '+', kV3), 12u);
  EXPECT_EQ(edi::lazy::find_separator("a?+b", '+', kV3), 4u);
  EXPECT_EQ(edi::lazy::find_separator("?:?:?:", ':', kV3), 6u);
}

// What decides is the parity of the run of release characters before the separator.
TEST(FindSeparator, CountsTheRunOfReleaseCharacters) {
  EXPECT_EQ(edi::lazy::find_separator("a?\?+b", '+', kV3), 3u);           // "??" is a released '?'
  EXPECT_EQ(edi::lazy::find_separator("a?\?\?+b", '+', kV3), 6u);         // "???+" releases the '+'
  EXPECT_EQ(edi::lazy::find_separator("a?\?\?\?+b", '+', kV3), 5u);
  EXPECT_EQ(edi::lazy::find_separator("?\?+", '+', kV3), 2u);             // the run starts at raw[0]
  EXPECT_EQ(edi::lazy::find_separator("x\\\\+y\\+z+", '+', chars_of("UNA:+.\\ '")), 3u);
}

// `from` starts the search; the run before it still counts; from >= size finds nothing.
TEST(FindSeparator, StartsAtFrom) {
  EXPECT_EQ(edi::lazy::find_separator("a+b+c", '+', kV3, 2), 3u);
  EXPECT_EQ(edi::lazy::find_separator("a+b+c", '+', kV3, 4), 5u);
  EXPECT_EQ(edi::lazy::find_separator("a?+b+c", '+', kV3, 2), 4u);
  EXPECT_EQ(edi::lazy::find_separator("a+b", '+', kV3, 3), 3u);
  EXPECT_EQ(edi::lazy::find_separator("a+b", '+', kV3, 99), 3u);
}

// Without a release character in the UNA (a space there), every separator counts.
TEST(FindSeparator, WithoutAReleaseCharacterEverySeparatorCounts) {
  const ServiceChars none = chars_of("UNA:+. *'");
  EXPECT_EQ(edi::lazy::find_separator("Any questions?+ Call us", '+', none), 14u);
  EXPECT_EQ(edi::lazy::find_separator("a b+c", ' ', none), 1u);
}

// --- LazySegment: structure and raw views, against the eager parser --------------------------

// Every sample file of the course: tags, counts and values agree with parse_segment.
TEST(LazySegment, MatchesTheEagerParserOnSampleFiles) {
  for (const auto& sample : samples()) EXPECT_EQ(first_difference_by_index(sample.bytes), "") << sample.name;
}

// Generated interchanges, syntax 3 and 4 (repetitions), every layout, and runs of releases.
TEST(LazySegment, MatchesTheEagerParserOnGeneratedInterchanges) {
  for (const auto& input : generated()) EXPECT_EQ(first_difference_by_index(input.bytes), "") << input.name;
}

// Raw means as written: escapes kept, and the view is the input's own bytes.
TEST(LazySegment, RawViewsKeepEscapesAndPointIntoTheInput) {
  const std::string text = edi::test::sample("release_chars.edi");
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  std::vector<std::string_view> free_text;
  while (tok.next(raw) == edi::Errc::ok) {
    if (raw.tag == "FTX") free_text.push_back(LazySegment(raw).component(3, 0));
  }
  ASSERT_EQ(free_text.size(), 8u);
  EXPECT_EQ(free_text[0], "Pallets ?+ cartons, mixed");
  EXPECT_EQ(free_text[2], "Don?'t stack");
  EXPECT_EQ(free_text[3], "50?? paid?: rest on delivery");
  EXPECT_EQ(free_text[7], "Price incl. 2% discount??");
  EXPECT_EQ(free_text[0].data(), text.data() + text.find("Pallets"));
  EXPECT_EQ(free_text[3].data(), text.data() + text.find("50??"));
}

// Syntax 4 repetitions: counted, split, read by index; a released '*' is data; syntax 3 has none.
TEST(LazySegment, ReadsRepetitions) {
  const LazySegment ali("ALI+DE*NL*FR+X?*Y*Z", kV4);
  ASSERT_EQ(ali.element_count(), 2u);
  const LazyElement countries = ali.element(0);
  EXPECT_EQ(countries.repetition_count(), 3u);
  EXPECT_EQ(countries.repetition(2).raw(), "FR");
  EXPECT_EQ(countries.repetition(2).repetition_count(), 1u);
  EXPECT_EQ(ali.component(0, 0, 1), "NL");
  EXPECT_EQ(ali.component(0, 0), "DE");
  EXPECT_EQ(ali.element(1).repetition_count(), 2u);
  EXPECT_EQ(ali.component(1, 0, 0), "X?*Y");
  const LazySegment imd("IMD+F++:::Stainless ?*star?* bolt*::A:B", kV4);
  EXPECT_EQ(imd.element(2).repetition_count(), 2u);
  EXPECT_EQ(imd.element(2).component_count(0), 4u);
  EXPECT_EQ(imd.element(2).component_count(1), 4u);
  EXPECT_EQ(imd.component(2, 3, 0), "Stainless ?*star?* bolt");
  EXPECT_EQ(imd.component(2, 3, 1), "B");
  const LazySegment v3("ALI+DE*NL", kV3);
  EXPECT_EQ(v3.element(0).repetition_count(), 1u);
  EXPECT_EQ(v3.component(0, 0), "DE*NL");
}

// Separators chosen by a UNA: "UNA=*.? ~" makes '*' the element and '=' the component separator.
TEST(LazySegment, UsesTheServiceCharactersOfTheSegment) {
  const ServiceChars chars = chars_of("UNA=*.? ~");
  const LazySegment nad("NAD*SU*4012345000009==9*It's 5+2:3", chars);
  EXPECT_EQ(nad.tag(), "NAD");
  ASSERT_EQ(nad.element_count(), 3u);
  EXPECT_EQ(nad.element(1).component_count(), 3u);
  EXPECT_EQ(nad.component(1, 0), "4012345000009");
  EXPECT_EQ(nad.component(1, 2), "9");
  EXPECT_EQ(nad.component(2, 0), "It's 5+2:3");
  const LazySegment ftx("FTX+AAI+++Gate 4\\: ring twice\\+ don\\'t stack\\\\", chars_of("UNA:+.\\ '"));
  EXPECT_EQ(ftx.element_count(), 4u);
  EXPECT_EQ(ftx.component(3, 0), "Gate 4\\: ring twice\\+ don\\'t stack\\\\");
}

// The text constructor: the tag runs to the first unescaped element separator.
TEST(LazySegment, ReadsSegmentText) {
  const LazySegment nad("NAD+BY+5412345000013::9");
  EXPECT_EQ(nad.tag(), "NAD");
  EXPECT_EQ(nad.data(), "+BY+5412345000013::9");
  EXPECT_EQ(nad.element_count(), 2u);
  EXPECT_EQ(nad.component(1, 2), "9");
  const LazySegment dtm("DTM");
  EXPECT_EQ(dtm.tag(), "DTM");
  EXPECT_EQ(dtm.data(), "");
  const LazySegment wrapped("UN\nT+23+1");  // a hard-wrapped file split the tag
  EXPECT_EQ(wrapped.tag(), "UNT");
  EXPECT_EQ(wrapped.component(1, 0), "1");
  const LazySegment odd("X?+Y+1");
  EXPECT_EQ(odd.tag(), "X?+Y");
  EXPECT_EQ(odd.element_count(), 1u);
}

// Empty elements and components are present, with one repetition and one component.
TEST(LazySegment, KeepsEmptyElementsAndComponents) {
  const LazySegment nad("NAD+BY++++");
  ASSERT_EQ(nad.element_count(), 5u);
  for (std::size_t e = 1; e < 5; ++e) {
    EXPECT_TRUE(nad.element(e).present()) << e;
    EXPECT_EQ(nad.element(e).repetition_count(), 1u) << e;
    EXPECT_EQ(nad.element(e).component_count(), 1u) << e;
    EXPECT_EQ(nad.element(e).raw(), "") << e;
  }
  const LazySegment pri("PRI+AAA:12.50::");
  EXPECT_EQ(pri.element(0).component_count(), 4u);
  EXPECT_EQ(pri.component(0, 1), "12.50");
  EXPECT_EQ(pri.component(0, 3), "");
  EXPECT_EQ(LazySegment("DTM+").element_count(), 1u);
}

// --- Unescape: values on request, and what each form costs ------------------------------------

// All three forms give parse_segment's value for every component of every input.
TEST(Unescape, MatchesTheEagerParserOnEveryInput) {
  std::string scratch;
  std::array<char, 4096> buffer{};
  const auto check = [&](std::string_view raw, const ServiceChars& chars, std::string_view expected) -> std::string {
    const auto fixed = edi::lazy::unescape(raw, chars, std::span<char>(buffer));
    if (!fixed || *fixed != expected) return in_quotes(raw) + ": the fixed-buffer form gives " + (fixed ? in_quotes(*fixed) : "nullopt");
    const std::string_view grown = edi::lazy::unescape(raw, chars, scratch);
    if (grown != expected) return in_quotes(raw) + ": the std::string& form gives " + in_quotes(grown);
    const std::string owned = edi::lazy::unescaped_string(raw, chars);
    if (owned != expected) return in_quotes(raw) + ": unescaped_string gives " + in_quotes(owned);
    return "";
  };
  for (const auto& sample : samples()) EXPECT_EQ(first_unescape_difference(sample.bytes, check), "") << sample.name;
  for (const auto& input : generated()) EXPECT_EQ(first_unescape_difference(input.bytes, check), "") << input.name;
}

// Each release character makes the next byte literal and is dropped, ordinary bytes included.
TEST(Unescape, DropsReleaseCharacters) {
  EXPECT_EQ(edi::lazy::unescaped_string("Pallets ?+ cartons", kV3), "Pallets + cartons");
  EXPECT_EQ(edi::lazy::unescaped_string("50?? paid?: rest", kV3), "50? paid: rest");
  EXPECT_EQ(edi::lazy::unescaped_string("Don?'t ?*?4?.", kV3), "Don't *4.");
  EXPECT_EQ(edi::lazy::unescaped_string("?\?\?\?", kV3), "?\?");
  EXPECT_EQ(edi::lazy::unescaped_string("stack\\\\ don\\'t", chars_of("UNA:+.\\ '")), "stack\\ don't");
  EXPECT_EQ(edi::lazy::unescaped_string("Any questions? Call us", chars_of("UNA:+. *'")), "Any questions? Call us");
}

// A release character that is the very last byte has nothing to release: kept, as parse_segment does.
TEST(Unescape, KeepsALoneReleaseAtTheEnd) {
  EXPECT_EQ(edi::lazy::unescaped_string("A?", kV3), "A?");
  EXPECT_EQ(edi::lazy::unescaped_string("A?\?\?", kV3), "A?\?");
  std::string scratch;
  EXPECT_EQ(edi::lazy::unescape("?", kV3, scratch), "?");
  std::array<char, 8> buffer{};
  EXPECT_EQ(edi::lazy::unescape("B?+?", kV3, std::span<char>(buffer)), std::optional<std::string_view>("B+?"));
}

// Nothing to undo: the result is the raw view itself, and no buffer is written.
TEST(Unescape, ReturnsTheRawViewWhenNothingIsReleased) {
  const std::string text = "NAD+BY+5412345000013::9++Kappa Electronics Oy+Hauptstrasse 44";
  const LazySegment nad(text);
  const std::string_view name = nad.component(3, 0);
  std::string scratch = "untouched";
  const std::string_view grown = edi::lazy::unescape(name, kV3, scratch);
  EXPECT_EQ(grown.data(), name.data());
  EXPECT_EQ(grown.size(), name.size());
  EXPECT_EQ(scratch, "untouched");
  const auto fixed = edi::lazy::unescape(name, kV3, std::span<char>());  // no room needed
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->data(), name.data());
  const std::string_view member = nad.unescaped(4, 0, scratch);
  EXPECT_EQ(member.data(), text.data() + text.find("Hauptstrasse"));
  EXPECT_EQ(scratch, "untouched");
}

// The fixed buffer must hold the unescaped value, not the raw one; too small gives nullopt.
TEST(Unescape, FixedBufferMustHoldTheValue) {
  std::array<char, 8> buffer{};
  const std::span<char> all(buffer);
  EXPECT_EQ(edi::lazy::unescape("A?+B", kV3, all.first(3)), std::optional<std::string_view>("A+B"));
  EXPECT_FALSE(edi::lazy::unescape("A?+B", kV3, all.first(2)).has_value());
  EXPECT_FALSE(edi::lazy::unescape("A?+B", kV3, all.first(0)).has_value());
  const auto written = edi::lazy::unescape("?:x", kV3, all);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->data(), buffer.data());
  EXPECT_EQ(*written, ":x");
}

// The members read a component and unescape it, repetitions included.
TEST(Unescape, MembersUnescapeOneComponent) {
  const LazySegment imd("IMD+F++:::Stainless ?*star?* bolt*::A?+:B", kV4);
  std::string scratch;
  EXPECT_EQ(imd.unescaped(2, 3, scratch), "Stainless *star* bolt");
  EXPECT_EQ(imd.unescaped(2, 2, scratch, 1), "A+");
  EXPECT_EQ(imd.unescaped_string(2, 3), "Stainless *star* bolt");
  EXPECT_EQ(imd.unescaped_string(2, 3, 1), "B");
  EXPECT_EQ(imd.unescaped_string(9, 0), "");
}

// --- Allocations: raw access is free, unescaping is free unless something is released ---------

// Counts, elements, repetitions, components and the ranges over whole interchanges: no allocation.
TEST(Allocations, RawAccessAllocatesNothing) {
  for (const auto& input : generated()) {
    std::size_t bytes = 0;
    edi::test::AllocationCounter counter;
    edi::Tokenizer tok(input.bytes);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) {
      const LazySegment seg(raw);
      for (std::size_t e = 0; e < seg.element_count(); ++e) {
        const LazyElement element = seg.element(e);
        for (std::size_t r = 0; r < element.repetition_count(); ++r) {
          for (std::size_t c = 0; c < element.component_count(r); ++c) bytes += seg.component(e, c, r).size();
        }
      }
      for (const LazyElement element : seg.elements()) {
        for (const LazyElement repetition : element.repetitions()) {
          for (const std::string_view value : repetition.components()) bytes += value.size();
        }
      }
      bytes += seg.component(99, 0).size() + seg.element(0).component(99).size();
    }
    const std::uint64_t allocations = counter.allocations();
    EXPECT_EQ(allocations, 0u) << input.name;
    EXPECT_GT(bytes, 0u);
  }
}

// Long values without a release character: no allocation, even with an empty scratch string.
TEST(Allocations, UnescapingWithoutReleaseAllocatesNothing) {
  const std::string text = edi::test::generated({.seed = 8, .messages = 30});
  std::size_t long_values = 0;
  std::size_t bytes = 0;
  std::array<char, 16> small{};
  edi::test::AllocationCounter counter;
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  while (tok.next(raw) == edi::Errc::ok) {
    const LazySegment seg(raw);
    for (std::size_t e = 0; e < seg.element_count(); ++e) {
      for (std::size_t c = 0; c < seg.element(e).component_count(); ++c) {
        const std::string_view value = seg.component(e, c);
        if (value.size() <= 15 || value.find('?') != std::string_view::npos) continue;
        ++long_values;
        std::string scratch;  // empty: any use of it would allocate for a value this long
        bytes += edi::lazy::unescape(value, raw.chars, scratch).size();
        bytes += seg.unescaped(e, c, scratch).size();
        bytes += edi::lazy::unescape(value, raw.chars, std::span<char>(small)).value_or("").size();
      }
    }
  }
  const std::uint64_t allocations = counter.allocations();
  ASSERT_GT(long_values, 10u);
  EXPECT_EQ(allocations, 0u) << long_values << " values over 15 bytes without a release character";
  EXPECT_GT(bytes, 0u);
}

// Values with release characters: the fixed buffer never allocates, and a scratch string with
// room enough is reused instead of reallocated.
TEST(Allocations, UnescapingReusesTheCallersBuffer) {
  const std::string text = edi::test::sample("release_chars.edi") + edi::test::sample("release_syntax4.edi");
  std::string scratch;
  scratch.reserve(256);
  std::array<char, 256> buffer{};
  std::size_t released = 0;
  std::size_t bytes = 0;
  edi::test::AllocationCounter counter;
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  while (tok.next(raw) == edi::Errc::ok) {
    const LazySegment seg(raw);
    for (const LazyElement element : seg.elements()) {
      for (const LazyElement repetition : element.repetitions()) {
        for (const std::string_view value : repetition.components()) {
          if (value.find(raw.chars.release) == std::string_view::npos) continue;
          ++released;
          bytes += edi::lazy::unescape(value, raw.chars, scratch).size();
          bytes += edi::lazy::unescape(value, raw.chars, std::span<char>(buffer)).value_or("").size();
        }
      }
    }
  }
  const std::uint64_t allocations = counter.allocations();
  ASSERT_GE(released, 10u);
  EXPECT_EQ(allocations, 0u) << released << " values with release characters";
  EXPECT_GT(bytes, 0u);
}

// --- OutOfRange: defined, documented, never undefined ------------------------------------------

// An element past the end is absent: not present, empty, no repetitions, no components.
TEST(OutOfRange, ElementPastTheEndIsAbsent) {
  const LazySegment nad("NAD+BY+5412345000013::9");
  for (const std::size_t e : {std::size_t{2}, std::size_t{3}, std::size_t{1000}}) {
    const LazyElement absent = nad.element(e);
    EXPECT_FALSE(absent.present()) << e;
    EXPECT_EQ(absent.raw(), "") << e;
    EXPECT_EQ(absent.repetition_count(), 0u) << e;
    EXPECT_EQ(absent.component_count(), 0u) << e;
    EXPECT_EQ(absent.component(0), "") << e;
    EXPECT_FALSE(absent.repetition(0).present()) << e;
    EXPECT_EQ(nad.component(e, 0), "") << e;
  }
  EXPECT_TRUE(nad.element(1).present());
}

// A component or repetition past the end reads as empty; its counts are 0.
TEST(OutOfRange, ComponentAndRepetitionPastTheEndAreEmpty) {
  const LazySegment nad("NAD+BY+5412345000013::9");
  EXPECT_EQ(nad.component(1, 3), "");
  EXPECT_EQ(nad.component(0, 1), "");
  EXPECT_EQ(nad.component(1, 0, 1), "");  // syntax 3: only repetition 0 exists
  EXPECT_FALSE(nad.element(1).repetition(1).present());
  EXPECT_EQ(nad.element(1).component_count(1), 0u);
  const LazySegment ali("ALI+DE*NL", kV4);
  EXPECT_EQ(ali.component(0, 0, 1), "NL");
  EXPECT_EQ(ali.component(0, 0, 2), "");
  EXPECT_EQ(ali.component(0, 1, 1), "");
  EXPECT_FALSE(ali.element(0).repetition(2).present());
  EXPECT_EQ(ali.element(0).component_count(2), 0u);
}

// A segment without data, and a default-constructed one, have no elements at all.
TEST(OutOfRange, SegmentWithoutDataHasNoElements) {
  edi::Tokenizer tok("UNH+1+ORDERS:D:96A:UN'DTM'UNT+3+1'");
  edi::RawSegment raw;
  ASSERT_EQ(tok.next(raw), edi::Errc::ok);
  ASSERT_EQ(tok.next(raw), edi::Errc::ok);
  for (const LazySegment& seg : {LazySegment(raw), LazySegment("DTM"), LazySegment()}) {
    EXPECT_EQ(seg.element_count(), 0u);
    EXPECT_FALSE(seg.element(0).present());
    EXPECT_EQ(seg.component(0, 0), "");
    std::size_t parts = 0;
    for ([[maybe_unused]] const LazyElement element : seg.elements()) ++parts;
    EXPECT_EQ(parts, 0u);
  }
}

// Empty is not absent: "NAD+BY++9" has an empty element 1 and nothing at index 3.
TEST(OutOfRange, EmptyIsNotAbsent) {
  const LazySegment nad("NAD+BY++9");
  ASSERT_EQ(nad.element_count(), 3u);
  EXPECT_TRUE(nad.element(1).present());
  EXPECT_EQ(nad.element(1).repetition_count(), 1u);
  EXPECT_EQ(nad.element(1).component_count(), 1u);
  EXPECT_FALSE(nad.element(3).present());
  EXPECT_EQ(nad.element(3).repetition_count(), 0u);
  std::size_t parts = 0;
  for (const std::string_view value : nad.element(1).components()) parts += value.empty() ? 1 : 100;
  EXPECT_EQ(parts, 1u);
  for (const std::string_view value : nad.element(3).components()) parts += value.empty() ? 10 : 100;
  for (const LazyElement repetition : nad.element(3).repetitions()) parts += repetition.present() ? 10 : 100;
  EXPECT_EQ(parts, 1u);
}

// The largest indices are as safe as any other.
TEST(OutOfRange, HugeIndicesAreSafe) {
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  const LazySegment ali("ALI+DE*NL", kV4);
  EXPECT_FALSE(ali.element(kMax).present());
  EXPECT_EQ(ali.component(0, kMax), "");
  EXPECT_EQ(ali.component(0, 0, kMax), "");
  EXPECT_EQ(ali.component(kMax, kMax, kMax), "");
  EXPECT_EQ(ali.element(0).component_count(kMax), 0u);
  EXPECT_EQ(ali.unescaped_string(kMax, 0), "");
}

// --- Lifetime: views into the input, and the compiler's help ---------------------------------

template <class T>
constexpr bool kTagOfTemporary = requires { std::declval<T>().tag(); };

// A temporary std::string would die before the views into it: not constructible from one.
TEST(Lifetime, RejectsTemporaryStrings) {
  EXPECT_FALSE((std::is_constructible_v<LazySegment, std::string>))
      << "not implemented yet: LazySegment refuses a temporary std::string (a deleted constructor)";
  EXPECT_FALSE((std::is_constructible_v<LazySegment, std::string&&>));
  EXPECT_FALSE((std::is_constructible_v<LazySegment, std::string, ServiceChars>));
  EXPECT_FALSE((std::is_constructible_v<LazySegment, const std::string&&>));
}

// The tag lives in the segment: tag() of a temporary segment is rejected, of a named one allowed.
TEST(Lifetime, RejectsTheTagOfATemporarySegment) {
  EXPECT_FALSE(kTagOfTemporary<LazySegment>) << "not implemented yet: tag() of a temporary LazySegment is deleted";
  EXPECT_FALSE(kTagOfTemporary<LazySegment&&>);
  EXPECT_TRUE(kTagOfTemporary<LazySegment&>);
  EXPECT_TRUE(kTagOfTemporary<const LazySegment&>);
}

// Lvalue strings, literals, views and raw segments are fine, and read the same.
TEST(Lifetime, AcceptsBuffersThatOutliveTheSegment) {
  EXPECT_TRUE((std::is_constructible_v<LazySegment, const std::string&>));
  EXPECT_TRUE((std::is_constructible_v<LazySegment, std::string&>));
  EXPECT_TRUE((std::is_constructible_v<LazySegment, const char*>));
  EXPECT_TRUE((std::is_constructible_v<LazySegment, std::string_view, ServiceChars>));
  EXPECT_TRUE((std::is_constructible_v<LazySegment, edi::RawSegment>));
  const std::string text = "BGM+220+PO-4711+9";
  EXPECT_EQ(LazySegment(text).component(1, 0), "PO-4711");
  EXPECT_EQ(LazySegment("BGM+220+PO-4711+9").component(1, 0), "PO-4711");
  EXPECT_EQ(LazySegment(std::string_view(text), kV4).component(1, 0), "PO-4711");
}

// Views and elements stay valid after the segment, the raw segment and the tokenizer are gone:
// they point into the input only.
TEST(Lifetime, ViewsOutliveTheSegmentAndTheTokenizer) {
  const std::string text = edi::test::sample("syntax4_una.edi");
  std::vector<std::string_view> values;
  std::vector<LazyElement> elements;
  {
    edi::Tokenizer tok(text);
    edi::RawSegment raw;
    while (tok.next(raw) == edi::Errc::ok) {
      const LazySegment seg(raw);
      if (seg.element_count() > 1) elements.push_back(seg.element(1));
      for (const LazyElement element : seg.elements()) values.push_back(element.component(0));
    }
  }
  ASSERT_GT(values.size(), 30u);
  for (const std::string_view v : values) EXPECT_TRUE(v.empty() || inside(v, text)) << in_quotes(v);
  ASSERT_EQ(elements.size(), 9u);
  for (const LazyElement& e : elements) EXPECT_TRUE(inside(e.raw(), text)) << in_quotes(e.raw());
  EXPECT_EQ(elements[3].component(0), "4012345000009");  // NAD+SU+4012345000009::9
}

// --- Iteration: elements(), repetitions(), components() and the Splitter under them -----------

// One pass through the ranges reads the same structure and values as the eager parser.
TEST(Iteration, RangesMatchTheEagerParserOnSampleFiles) {
  for (const auto& sample : samples()) EXPECT_EQ(first_difference_by_ranges(sample.bytes), "") << sample.name;
}

// The same on generated interchanges, syntax 3 and 4.
TEST(Iteration, RangesMatchTheEagerParserOnGeneratedInterchanges) {
  for (const auto& input : generated()) EXPECT_EQ(first_difference_by_ranges(input.bytes), "") << input.name;
}

// The splitter gives every part, empty ones included, and nothing after the last.
TEST(Iteration, SplitterGivesEveryPart) {
  const auto parts = [](Splitter splitter) {
    std::vector<std::string> out;
    std::string_view part;
    while (splitter.next(part)) out.emplace_back(part);
    EXPECT_FALSE(splitter.next(part));  // and stays done
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(parts(Splitter("a:b?:c:", ':', kV3)), (V{"a", "b?:c", ""}));
  EXPECT_EQ(parts(Splitter("", ':', kV3)), (V{""}));
  EXPECT_EQ(parts(Splitter("::", ':', kV3)), (V{"", "", ""}));
  EXPECT_EQ(parts(Splitter("a?\?:b", ':', kV3)), (V{"a?\?", "b"}));
  EXPECT_EQ(parts(Splitter("DE*NL", '*', kV3, false)), (V{"DE*NL"}));
  EXPECT_EQ(parts(Splitter()), V{});
}

// --- ReleaseRuns: a run of release characters of any length, next to any separator -------------

// Segments with runs of 0 to 9 release characters before, after and between every kind of
// separator, at the start and the end of values, under `una` (release character `rel`).
std::string release_run_interchange(std::string_view una, char rel) {
  std::string text = std::string(una) + "UNB+UNOC:4+A+B+261127:1200+1'UNH+1+ORDERS:D:01B:UN'";
  for (std::size_t n = 0; n <= 9; ++n) {
    const std::string r(n, rel);
    text += "FTX+" + r + "+" + r + "A" + r + ":" + r + "B" + r + "*" + r + ":" + r + "*C+" + r + "E'";
    text += "FTX+X" + r + "+" + r + ":" + r + "*" + r + "'";  // an even run releases nothing: odd ones are
    text += "FTX+" + r + r + "+Y" + r + r + "'";                 // closed by the next segment's bytes
    text += "IMD+" + r + "+" + r + r + "+" + r + "x" + r + "+" + r + r + r + ":Z'";
  }
  return text + "UNT+42+1'UNZ+1+1'";
}

// Against the eager parser, by index, through the ranges and unescaped, for every run length
// from 0 to 9 (not only the one to four of the samples), with '?' and with '\' as the release
// character, in syntax 4 (repetitions) and syntax 3.
TEST(ReleaseRuns, EveryLengthNextToEverySeparator) {
  std::string scratch;
  std::array<char, 256> buffer{};
  const auto check = [&](std::string_view raw, const ServiceChars& chars, std::string_view expected) -> std::string {
    const auto fixed = edi::lazy::unescape(raw, chars, std::span<char>(buffer));
    if (!fixed || *fixed != expected) return in_quotes(raw) + ": the fixed-buffer form gives " + (fixed ? in_quotes(*fixed) : "nullopt");
    if (edi::lazy::unescape(raw, chars, scratch) != expected) return in_quotes(raw) + ": the std::string& form differs";
    if (edi::lazy::unescaped_string(raw, chars) != expected) return in_quotes(raw) + ": unescaped_string differs";
    return "";
  };
  for (const auto& [una, rel] : {std::pair<std::string_view, char>{"UNA:+.?*'", '?'}, {"UNA:+.? '", '?'}, {"UNA:+.\\*'", '\\'}}) {
    const std::string text = release_run_interchange(una, rel);
    EXPECT_EQ(first_difference_by_index(text), "") << una;
    EXPECT_EQ(first_difference_by_ranges(text), "") << una;
    EXPECT_EQ(first_unescape_difference(text, check), "") << una;
  }
}

// find_separator and unescaping on a run of every length from 0 to 12: at the start of the
// value, after a byte, with the search starting anywhere inside the run.
TEST(ReleaseRuns, FindSeparatorAndUnescapeOnRunsOfEveryLength) {
  for (std::size_t n = 0; n <= 12; ++n) {
    const std::string run(n, '?');
    // The run's '+' separates when the run is even, and is data when it is odd.
    for (const std::string& head : {std::string(), std::string("a"), std::string("a+")}) {
      const std::string raw = head + run + "+b";
      const std::size_t plus = head.size() + n;
      const std::size_t expected = n % 2 == 0 ? plus : raw.size();
      const std::size_t start = head.find('+') == std::string::npos ? 0 : head.size();
      if (start > 0) {
        EXPECT_EQ(edi::lazy::find_separator(raw, '+', kV3), 1u) << in_quotes(raw);
      }
      for (std::size_t from = start; from <= plus; ++from) {
        EXPECT_EQ(edi::lazy::find_separator(raw, '+', kV3, from), expected) << in_quotes(raw) << " from " << from;
      }
      EXPECT_EQ(edi::lazy::unescaped_string(raw, kV3), reference_unescape(raw, kV3)) << in_quotes(raw);
    }
    // A value that is only the run: pairs become one '?', an odd last one is kept.
    EXPECT_EQ(edi::lazy::unescaped_string(run, kV3), std::string(n / 2 + n % 2, '?')) << in_quotes(run);
    // Followed by a byte: an odd run releases it.
    std::string scratch;
    EXPECT_EQ(edi::lazy::unescape(run + "x", kV3, scratch), std::string(n / 2, '?') + "x") << in_quotes(run + "x");
  }
}

// --- Repetitions and several occurrences --------------------------------------------------------

// Syntax 4 repetitions in every shape, against the eager parser: empty repetitions at the start,
// middle and end, repetitions with components, several repeated elements, released '*'.
TEST(Repetitions, EveryShapeMatchesTheEagerParser) {
  std::string text = "UNA:+.?*'UNB+UNOC:4+A+B+261127:1200+1'";
  for (const char* seg : {"ALI+A:B*C:D:E**F+G*H", "ALI+*", "ALI+**", "ALI+A*", "ALI+*A", "ALI+:*:", "ALI+A?*B*C",
                          "ALI+A??*B", "ALI+A:B?:C*D", "RFF+*:*::*", "ALI+A*B+C*D+E*F*G", "ALI++*+", "ALI+A:*:B",
                          "IMD+F++:::Stainless ?*star?* bolt*::A:B*:::*"}) {
    text += std::string(seg) + "'";
  }
  text += "UNZ+0+1'";
  EXPECT_EQ(first_difference_by_index(text), "");
  EXPECT_EQ(first_difference_by_ranges(text), "");
  const LazySegment ali("ALI+A:B*C:D:E**F+G*H", kV4);
  const LazyElement first = ali.element(0);
  ASSERT_EQ(first.repetition_count(), 4u);
  EXPECT_EQ(first.component_count(0), 2u);
  EXPECT_EQ(first.component_count(1), 3u);
  EXPECT_EQ(first.component_count(2), 1u);
  EXPECT_EQ(first.component(2, 1), "E");
  EXPECT_EQ(first.component(0, 3), "F");
  EXPECT_EQ(ali.component(0, 1, 1), "D");
  EXPECT_EQ(ali.component(1, 0, 1), "H");
  EXPECT_EQ(first.repetition(1).component(2), "E");
  EXPECT_EQ(first.repetition(1).component_count(), 3u);
  EXPECT_EQ(first.repetition(1).repetition(0).raw(), "C:D:E");
}

// Identical values at several places: each view is the one at its own place in the input, not
// another occurrence of the same bytes.
TEST(Repetitions, EachOccurrenceIsItsOwnView) {
  const std::string text = "FTX+A+A:A+A*A:A*A";
  const LazySegment seg(text, kV4);
  const auto at = [&](std::string_view v) { return static_cast<std::size_t>(v.data() - text.data()); };
  EXPECT_EQ(at(seg.component(0, 0)), 4u);
  EXPECT_EQ(at(seg.component(1, 0)), 6u);
  EXPECT_EQ(at(seg.component(1, 1)), 8u);
  EXPECT_EQ(at(seg.component(2, 0, 0)), 10u);
  EXPECT_EQ(at(seg.component(2, 0, 1)), 12u);
  EXPECT_EQ(at(seg.component(2, 1, 1)), 14u);
  EXPECT_EQ(at(seg.component(2, 0, 2)), 16u);
  EXPECT_EQ(at(seg.element(2).repetition(1).raw()), 12u);
  std::vector<std::size_t> walked;
  for (const LazyElement element : seg.elements()) {
    for (const LazyElement repetition : element.repetitions()) {
      for (const std::string_view value : repetition.components()) walked.push_back(at(value));
    }
  }
  EXPECT_EQ(walked, (std::vector<std::size_t>{4, 6, 8, 10, 12, 14, 16}));
}

}  // namespace
