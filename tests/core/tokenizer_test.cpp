// The zero-copy tokenizer: every quirk of real files, the error codes and their offsets, the
// 64-byte block scanner (escapes and segments across block boundaries), the separator totals,
// and the promise that tokenizing allocates nothing.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "alloc_counter.hpp"
#include "edi/edi.hpp"
#include "samples.hpp"
#include "scan.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

std::vector<std::string> tags_of(const TokenRun& run) {
  std::vector<std::string> tags;
  for (const auto& s : run.segments) tags.push_back(s.tag);
  return tags;
}

std::vector<std::string> texts_of(const TokenRun& run) {
  std::vector<std::string> texts;
  for (const auto& s : run.segments) texts.push_back(s.text);
  return texts;
}

using Strings = std::vector<std::string>;

// The example at the top of tokenizer.hpp.
TEST(Tokenizer, HeaderExample) {
  const std::string input = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNH+1+ORDERS:D:96A:UN'";
  Tokenizer tok(input);
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "UNB");
  EXPECT_EQ(seg.data, "+UNOC:3+A+B+261127:1200+1");
  EXPECT_EQ(seg.text, "UNB+UNOC:3+A+B+261127:1200+1");
  EXPECT_EQ(seg.offset, 9u);
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "UNH");
  EXPECT_EQ(seg.data, "+1+ORDERS:D:96A:UN");
  EXPECT_EQ(tok.next(seg), Errc::end_of_input);
  EXPECT_EQ(tok.next(seg), Errc::end_of_input);  // and it stays there
}

// A temporary std::string would die before the segments that point into it: the compiler refuses
// it. Named strings, views and literals are accepted.
TEST(Tokenizer, RejectsTemporaryStrings) {
  static_assert(!std::is_constructible_v<Tokenizer, std::string&&>);
  static_assert(!std::is_constructible_v<Tokenizer, std::string>);
  static_assert(!std::is_constructible_v<Tokenizer, const std::string&&>);
  static_assert(!std::is_constructible_v<Tokenizer, const std::string>);
  static_assert(std::is_constructible_v<Tokenizer, std::string&>);
  static_assert(std::is_constructible_v<Tokenizer, const std::string&>);
  static_assert(std::is_constructible_v<Tokenizer, std::string_view>);
  static_assert(std::is_constructible_v<Tokenizer, const char (&)[4]>);
  Tokenizer tok("DTM'");
  RawSegment seg;
  EXPECT_EQ(tok.next(seg), Errc::ok);
}

// Without a UNA the ISO 9735 defaults are in force and no UNA is counted.
TEST(Tokenizer, DefaultsWithoutUna) {
  const TokenRun run = tokenize_all("UNB+UNOC:3+A+B+261127:1200+1'UNZ+0+1'");
  ASSERT_EQ(run.result, Errc::end_of_input);
  ASSERT_EQ(run.segments.size(), 2u);
  EXPECT_EQ(run.segments[0].chars, ServiceChars::defaults());
  Tokenizer tok("UNB+UNOC:3+A+B+261127:1200+1'");
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(tok.state().una_count, 0u);
  EXPECT_FALSE(tok.state().una_seen);
}

// A UNA is consumed (never returned) and sets all six characters for what follows.
TEST(Tokenizer, UnaSetsServiceChars) {
  const std::string input = "UNA=*.? ~UNB*UNOC=3*A*B*261127=1200*1~FTX*AAI***it's 5+6: ok~UNZ*0*1~";
  Tokenizer tok(input);
  const TokenRun run = drain(tok, input.size());
  ASSERT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(tags_of(run), (Strings{"UNB", "FTX", "UNZ"}));
  EXPECT_EQ(run.segments[1].text, "FTX*AAI***it's 5+6: ok");
  const ServiceChars expected{'=', '*', '.', '?', ' ', '~'};
  EXPECT_EQ(run.segments[1].chars, expected);
  EXPECT_EQ(tok.state().una_count, 1u);
  EXPECT_TRUE(tok.state().una_seen);
}

// The decimal comma of "UNA:+,? '" is carried in the segments' characters.
TEST(Tokenizer, UnaDecimalComma) {
  const TokenRun run = tokenize_all("UNA:+,? 'MOA+203:1249,50'");
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(run.segments[0].chars.decimal, ',');
  EXPECT_EQ(run.segments[0].text, "MOA+203:1249,50");
}

// "UNA:+.\ '": a backslash is the release character.
TEST(Tokenizer, BackslashRelease) {
  const TokenRun run = tokenize_all("UNA:+.\\ 'FTX+AAI+++don\\'t ?stack\\\\'NAD+BY'");
  ASSERT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(texts_of(run), (Strings{"FTX+AAI+++don\\'t ?stack\\\\", "NAD+BY"}));
  EXPECT_EQ(run.segments[0].chars.release, '\\');
}

// "UNA:+. *'": no release character, so '?' is data and cannot hide a terminator.
TEST(Tokenizer, NoReleaseCharacter) {
  const TokenRun run = tokenize_all("UNA:+. *'FTX+AAI+++why?'QTY+21:5'");
  ASSERT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(texts_of(run), (Strings{"FTX+AAI+++why?", "QTY+21:5"}));
  EXPECT_FALSE(run.segments[0].chars.has_release());
  EXPECT_EQ(run.segments[0].chars.repetition, '*');
}

// A UNB declaring syntax version 4 turns on '*' for the segments after it when there is no UNA.
TEST(Tokenizer, Syntax4WithoutUnaTurnsOnRepetition) {
  const TokenRun run = tokenize_all("UNB+UNOC:4+A+B+261127:1200+1'ALI+DE*NL'UNZ+0+1'");
  ASSERT_EQ(run.segments.size(), 3u);
  EXPECT_FALSE(run.segments[0].chars.has_repetition());  // the UNB itself was read before
  EXPECT_EQ(run.segments[1].chars.repetition, '*');
  EXPECT_EQ(run.segments[2].chars.repetition, '*');
  // The repetition counts as a component value: ALI has one element with two values.
  EXPECT_EQ(run.component_values, 7u /*UNB*/ + 2u /*ALI*/ + 2u /*UNZ*/);
}

// Syntax 3 keeps the repetition position reserved, and a later syntax-3 UNB turns '*' off again.
TEST(Tokenizer, Syntax3UnbTurnsRepetitionOff) {
  const TokenRun run =
      tokenize_all("UNB+UNOC:4+A+B+1'ALI+DE*NL'UNZ+0+1'UNB+UNOC:3+A+B+2'ALI+DE*NL'UNZ+0+2'");
  ASSERT_EQ(run.segments.size(), 6u);
  EXPECT_EQ(run.segments[1].chars.repetition, '*');
  EXPECT_FALSE(run.segments[4].chars.has_repetition());
}

// The syntax version is UNB element 1, component 2, read unescaped, in the first repetition.
TEST(Tokenizer, UnbVersionIsReadAsParsed) {
  struct Case {
    std::string input;
    bool repetition;  // is '*' a repetition separator for the ALI after the UNB?
  };
  const Case cases[] = {
      {"UNB+UNOC:?4'ALI+A*B'", true},          // a released '4' is still the digit 4
      {"UNB+UN?:OC:4'ALI+A*B'", true},         // a released ':' does not end the syntax identifier
      {"UNB+UNOC?:3:4'ALI+A*B'", true},
      {"UNB+UNOC+4:4'ALI+A*B'", false},        // no component 2 in element 1
      {"UNB+UNOC::4'ALI+A*B'", false},         // an empty version
      {"UNB+UNOC:4'UNB+UNOC*X:3'ALI+A*B'", true},  // repetition 2 of element 1 is not the version
      {"UNB+UNOC:4'UNB+UNOC:3'ALI+A*B'", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    const TokenRun run = tokenize_all(c.input);
    ASSERT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(run.segments.back().chars.has_repetition(), c.repetition);
    // The baseline reads the version from its parsed values: both agree.
    std::vector<Segment> segments;
    ASSERT_EQ(parse_all(c.input, segments), Errc::end_of_input);
    EXPECT_EQ(baseline::parse(c.input).back(), baseline::from_core(segments.back()));
  }
}

// An explicit UNA wins over the UNB's syntax version.
TEST(Tokenizer, UnaWinsOverUnbVersion) {
  const TokenRun run = tokenize_all("UNA:+.? 'UNB+UNOC:4+A+B+1'ALI+DE*NL'");
  ASSERT_EQ(run.segments.size(), 2u);
  EXPECT_FALSE(run.segments[1].chars.has_repetition());
}

// Each release case: where the segment ends, and what parse_segment reads.
TEST(Tokenizer, ReleaseCases) {
  struct Case {
    std::string input;
    Strings texts;
    std::string last_value;  // the last component of the first segment, unescaped
  };
  const std::vector<Case> cases = {
      {"FTX+a?+b'", {"FTX+a?+b"}, "a+b"},
      {"FTX+a?:b'", {"FTX+a?:b"}, "a:b"},
      {"FTX+a?'b'NAD'", {"FTX+a?'b", "NAD"}, "a'b"},
      {"FTX+a??b'", {"FTX+a??b"}, "a?b"},
      {"FTX+a?*b'", {"FTX+a?*b"}, "a*b"},
      {"FTX+a??'NAD'", {"FTX+a??", "NAD"}, "a?"},           // escaped '?', then a real terminator
      {"FTX+a???'b'NAD'", {"FTX+a???'b", "NAD"}, "a?'b"},   // odd run: the terminator is released
      {"FTX+a????'NAD'", {"FTX+a????", "NAD"}, "a??"},      // even run
      {"FTX+1?.5 ?4 ?a'", {"FTX+1?.5 ?4 ?a"}, "1.5 4 a"},   // released ordinary characters
      {"FTX+AAA+++a?+b'", {"FTX+AAA+++a?+b"}, "a+b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    const TokenRun run = tokenize_all(c.input);
    ASSERT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(texts_of(run), c.texts);
    Tokenizer tok(c.input);
    RawSegment raw;
    ASSERT_EQ(tok.next(raw), Errc::ok);
    Segment seg;
    parse_segment(raw, seg);
    const std::size_t last = seg.element_count() - 1;
    EXPECT_EQ(seg.component(last, seg.component_count(last) - 1), c.last_value);
  }
}

// Released repetition separators in syntax 4 are data; unreleased ones separate repetitions.
TEST(Tokenizer, ReleasedRepetitionSeparator) {
  Tokenizer tok("UNA:+.?*'FTX+AAI+++a?*b*c'");
  RawSegment raw;
  ASSERT_EQ(tok.next(raw), Errc::ok);
  Segment seg;
  parse_segment(raw, seg);
  ASSERT_EQ(seg.repetition_count(3), 2u);
  EXPECT_EQ(seg.component(3, 0, 0), "a*b");
  EXPECT_EQ(seg.component(3, 0, 1), "c");
}

// A UTF-8 byte order mark is skipped and remembered.
TEST(Tokenizer, SkipsByteOrderMark) {
  Tokenizer tok("\xEF\xBB\xBFUNA:+.? 'UNB+UNOC:3'");
  const TokenRun run = drain(tok, 30);
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(run.segments[0].offset, 12u);
  EXPECT_TRUE(tok.state().bom);
  EXPECT_EQ(tok.leading_junk(), 0u);
}

// CR, LF, CRLF, blank lines, tabs and spaces between segments are not data.
TEST(Tokenizer, LineBreaksBetweenSegmentsAreSkipped) {
  const std::string input = "UNB+1'\r\nUNH+1'\nBGM+220'\rDTM'\r\n\r\n\n  \tNAD+BY'UNT+2+1'";
  const TokenRun run = tokenize_all(input);
  ASSERT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(texts_of(run), (Strings{"UNB+1", "UNH+1", "BGM+220", "DTM", "NAD+BY", "UNT+2+1"}));
  for (const auto& s : run.segments) EXPECT_EQ(input.substr(s.offset, s.text.size()), s.text);
}

// CR and LF inside a value are data: the segment goes on to its terminator.
TEST(Tokenizer, LineBreaksInsideValuesAreData) {
  const TokenRun run = tokenize_all("FTX+AAI+++two cartons\r\ncrushed\nsee photos'NAD+BY'");
  ASSERT_EQ(run.segments.size(), 2u);
  EXPECT_EQ(run.segments[0].text, "FTX+AAI+++two cartons\r\ncrushed\nsee photos");
}

// A hard wrap inside a tag is dropped from the tag and remembered; the text keeps it.
TEST(Tokenizer, LineBreakInsideTagIsDropped) {
  Tokenizer tok("MO\nA+79:1.00'UN\r\nT+2+1'");
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "MOA");
  EXPECT_TRUE(seg.tag.had_line_break());
  EXPECT_TRUE(seg.tag.well_formed());
  EXPECT_EQ(seg.text, "MO\nA+79:1.00");
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "UNT");
  EXPECT_TRUE(seg.tag.had_line_break());
}

// No line break after the last segment, several per line, a whole interchange on one line.
TEST(Tokenizer, LayoutsGiveTheSameSegments) {
  const Strings expected = {"UNB+1", "UNH+1", "BGM+220", "UNT+3+1", "UNZ+1+1"};
  for (const std::string input : {"UNB+1'UNH+1'BGM+220'UNT+3+1'UNZ+1+1'", "UNB+1'\nUNH+1'BGM+220'\nUNT+3+1'UNZ+1+1'",
                                  "UNB+1'\r\nUNH+1'\r\nBGM+220'\r\nUNT+3+1'\r\nUNZ+1+1'\r\n",
                                  "\n\nUNB+1'\n\nUNH+1'\rBGM+220'\r\n\nUNT+3+1'UNZ+1+1'\n\n\n"}) {
    SCOPED_TRACE(input);
    const TokenRun run = tokenize_all(input);
    EXPECT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(texts_of(run), expected);
  }
}

// Bytes before the first UNA/UNB are skipped and counted when the input does not start with a segment.
// "UNB" inside a word is junk too: the search wants UNA/UNB followed by a separator.
TEST(Tokenizer, JunkSearchSkipsWordsStartingWithUn) {
  const std::string input = "[UNBelievable UNAvailable]\nUNB+UNOC:3+A+B+1+1'UNZ+0+1'";
  Tokenizer tok(input);
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "UNB");
  EXPECT_EQ(tok.leading_junk(), input.find("UNB+"));
}

// A UNA whose decimal mark doubles as a separator is invalid.
TEST(Tokenizer, UnaDecimalMarkMustDiffer) {
  ServiceChars chars;
  EXPECT_EQ(parse_una("UNA:+:? '", chars), Errc::invalid_una);
  EXPECT_EQ(parse_una("UNA:+,? '", chars), Errc::ok);
  Tokenizer tok("UNA:+'? 'UNB+UNOC:3'");
  RawSegment seg;
  EXPECT_EQ(tok.next(seg), Errc::invalid_una);
}

TEST(Tokenizer, SkipsLeadingJunk) {
  const std::string junk = "X-Mailer: gateway 2.1\r\nContent-Type: application/EDIFACT\r\n\r\n";
  const std::string input = junk + "UNA:+.? 'UNB+UNOC:3'";
  Tokenizer tok(input);
  const TokenRun run = drain(tok, 100);
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(tok.leading_junk(), junk.size());
  EXPECT_EQ(run.segments[0].offset, junk.size() + 9);
}

// Mail headers are junk, though "From:" reads like a tag and a component separator: tags are
// upper case.
TEST(Tokenizer, MailHeadersAreJunk) {
  const std::string junk = "From: orders@example.com\r\nDate: Fri, 27 Nov 2026 10:15:00 +0100\r\n\r\n";
  const std::string input = junk + "UNB+UNOC:3+A+B+1'UNZ+0+1'";
  Tokenizer tok(input);
  const TokenRun run = drain(tok, input.size());
  EXPECT_EQ(tok.leading_junk(), junk.size());
  EXPECT_EQ(tags_of(run), (Strings{"UNB", "UNZ"}));
}

// An input that starts with a segment has no junk, even when it is not UNA or UNB.
TEST(Tokenizer, NoJunkWhenInputStartsWithSegment) {
  Tokenizer tok("\r\n BGM+220+PO1'UNB+UNOC:3'");
  const TokenRun run = drain(tok, 30);
  EXPECT_EQ(tok.leading_junk(), 0u);
  EXPECT_EQ(tags_of(run), (Strings{"BGM", "UNB"}));
}

// Several interchanges after one UNA share its characters.
TEST(Tokenizer, SeveralInterchangesOneUna) {
  Tokenizer tok("UNA:+,? 'UNB+1'UNZ+0+1'UNB+2'MOA+1:2,5'UNZ+0+2'");
  const TokenRun run = drain(tok, 50);
  ASSERT_EQ(run.segments.size(), 5u);
  for (const auto& s : run.segments) EXPECT_EQ(s.chars.decimal, ',');
  EXPECT_EQ(tok.state().una_count, 1u);
}

// A second UNA changes every character for what follows, the terminator included.
TEST(Tokenizer, EachInterchangeWithItsOwnUna) {
  Tokenizer tok("UNA:+.? 'UNB+1'UNZ+0+1'\nUNA=*,? ~UNB*2~FTX*a+b'c~UNZ*0*2~");
  const TokenRun run = drain(tok, 60);
  ASSERT_EQ(run.result, Errc::end_of_input);
  EXPECT_EQ(texts_of(run), (Strings{"UNB+1", "UNZ+0+1", "UNB*2", "FTX*a+b'c", "UNZ*0*2"}));
  EXPECT_EQ(run.segments[1].chars, ServiceChars::defaults());
  EXPECT_EQ(run.segments[3].chars, (ServiceChars{'=', '*', ',', '?', ' ', '~'}));
  EXPECT_EQ(tok.state().una_count, 2u);
}

// Empty segments, runs of empty elements and trailing empty components keep their shape.
TEST(Tokenizer, EmptySegmentsAndElements) {
  Tokenizer tok("DTM'NAD+BY++++'PRI+AAA:12.50::'DTM+'");
  RawSegment raw;
  Segment seg;
  ASSERT_EQ(tok.next(raw), Errc::ok);
  EXPECT_EQ(raw.tag, "DTM");
  EXPECT_TRUE(raw.data.empty());
  parse_segment(raw, seg);
  EXPECT_EQ(seg.element_count(), 0u);
  ASSERT_EQ(tok.next(raw), Errc::ok);
  EXPECT_EQ(raw.data, "+BY++++");
  parse_segment(raw, seg);
  EXPECT_EQ(seg.element_count(), 5u);
  ASSERT_EQ(tok.next(raw), Errc::ok);
  parse_segment(raw, seg);
  EXPECT_EQ(seg.component_count(0), 4u);
  EXPECT_EQ(seg.component(0, 3), "");
  ASSERT_EQ(tok.next(raw), Errc::ok);
  parse_segment(raw, seg);
  EXPECT_EQ(seg.element_count(), 1u);
  EXPECT_EQ(tok.state().element_separators, 0u + 5u + 1u + 1u);
  EXPECT_EQ(tok.state().component_values, 0u + 5u + 4u + 1u);
}

// Tags of two and four letters are returned as written; well_formed() says they are odd.
TEST(Tokenizer, TwoAndFourLetterTags) {
  Tokenizer tok("DT+137'NADX+SU'NAD+BY'1BC+x'");
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "DT");
  EXPECT_FALSE(seg.tag.well_formed());
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "NADX");
  EXPECT_FALSE(seg.tag.well_formed());
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_TRUE(seg.tag.well_formed());
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_FALSE(seg.tag.well_formed());
}

// A tag longer than Tag::kCapacity keeps its first 16 bytes and says it was cut.
TEST(Tokenizer, LongTagIsTruncated) {
  Tokenizer tok("ABCDEFGHIJKLMNOPQRSTUVWXYZ+1'");
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.tag, "ABCDEFGHIJKLMNOP");
  EXPECT_TRUE(seg.tag.truncated());
  EXPECT_EQ(seg.text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ+1");
}

// Offsets are absolute: a tokenizer over a piece starting at `base` reports base + position.
TEST(Tokenizer, OffsetsIncludeBase) {
  Tokenizer tok("UNH+1'BGM+2'", TokenizerState{}, 1000);
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.offset, 1000u);
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(seg.offset, 1006u);
  EXPECT_EQ(tok.position(), 1012u);
}

// A non-final buffer that ends inside a segment asks for more input and consumes none of the
// segment (only the line breaks before it).
TEST(Tokenizer, NonFinalInputNeedsMore) {
  Tokenizer tok("UNB+1'\r\nUNH+1+ORD", TokenizerState{}, 0, /*final=*/false);
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(tok.next(seg), Errc::need_more_input);
  EXPECT_EQ(tok.position(), 8u);
  Tokenizer partial_una("UNA:+.", TokenizerState{}, 0, false);
  EXPECT_EQ(partial_una.next(seg), Errc::need_more_input);
  EXPECT_EQ(partial_una.position(), 0u);
}

// The input ends inside a segment: unterminated_segment at the segment's first byte, for good.
TEST(Tokenizer, ErrorUnterminatedSegment) {
  const std::string input = "UNB+1'\nUNH+1+ORDERS";
  Tokenizer tok(input);
  RawSegment seg;
  ASSERT_EQ(tok.next(seg), Errc::ok);
  EXPECT_EQ(tok.next(seg), Errc::unterminated_segment);
  EXPECT_EQ(tok.error_offset(), 7u);
  EXPECT_EQ(tok.next(seg), Errc::unterminated_segment);  // sticky
  EXPECT_EQ(tok.error_offset(), 7u);
  // An even run of release characters at the end releases nothing: still unterminated.
  Tokenizer even("UNB+1'FTX+a??");
  ASSERT_EQ(even.next(seg), Errc::ok);
  EXPECT_EQ(even.next(seg), Errc::unterminated_segment);
  EXPECT_EQ(even.error_offset(), 6u);
}

// The input ends with a release character that has nothing to release: release_at_end at it.
TEST(Tokenizer, ErrorReleaseAtEnd) {
  for (const std::string input : {"UNB+1'FTX+a?", "UNB+1'FTX+a???", "UNB+1'?"}) {
    SCOPED_TRACE(input);
    Tokenizer tok(input);
    RawSegment seg;
    ASSERT_EQ(tok.next(seg), Errc::ok);
    EXPECT_EQ(tok.next(seg), Errc::release_at_end);
    EXPECT_EQ(tok.error_offset(), input.size() - 1);
  }
  // "?'" at the end releases the terminator: the segment is unterminated, not a release at the end.
  Tokenizer released("UNB+1'FTX+a?'");
  RawSegment seg;
  ASSERT_EQ(released.next(seg), Errc::ok);
  EXPECT_EQ(released.next(seg), Errc::unterminated_segment);
  EXPECT_EQ(released.error_offset(), 6u);
}

// "UNA" with fewer than six service characters after it: truncated_una at the UNA.
TEST(Tokenizer, ErrorTruncatedUna) {
  RawSegment seg;
  Tokenizer at_start("UNA:+.");
  EXPECT_EQ(at_start.next(seg), Errc::truncated_una);
  EXPECT_EQ(at_start.error_offset(), 0u);
  Tokenizer after_bom("\xEF\xBB\xBFUNA:+.? ");
  EXPECT_EQ(after_bom.next(seg), Errc::truncated_una);
  EXPECT_EQ(after_bom.error_offset(), 3u);
  Tokenizer mid("UNB+1'UNZ+0+1'\nUNA:+");
  ASSERT_EQ(mid.next(seg), Errc::ok);
  ASSERT_EQ(mid.next(seg), Errc::ok);
  EXPECT_EQ(mid.next(seg), Errc::truncated_una);
  EXPECT_EQ(mid.error_offset(), 15u);
}

// A UNA naming one character for two roles (or a space for a separator): invalid_una at the UNA.
TEST(Tokenizer, ErrorInvalidUna) {
  RawSegment seg;
  for (const std::string una : {"UNA::.? '", "UNA:+.? +", "UNA:+.:*'", "UNA +.? '", "UNA:+.?''"}) {
    SCOPED_TRACE(una);
    const std::string input = una + "UNB+1'";
    Tokenizer tok(input);
    EXPECT_EQ(tok.next(seg), Errc::invalid_una);
    EXPECT_EQ(tok.error_offset(), 0u);
  }
  Tokenizer mid("UNB+1'UNZ+0+1'UNA::.? 'UNB+2'");
  ASSERT_EQ(mid.next(seg), Errc::ok);
  ASSERT_EQ(mid.next(seg), Errc::ok);
  EXPECT_EQ(mid.next(seg), Errc::invalid_una);
  EXPECT_EQ(mid.error_offset(), 14u);
  // Spaces may repeat: no release and no repetition is a valid UNA.
  Tokenizer spaces("UNA:+.  'UNB+1'");
  EXPECT_EQ(spaces.next(seg), Errc::ok);
}

// describe() has a sentence for every code.
TEST(Tokenizer, DescribeEveryCode) {
  for (int code = 0; code <= static_cast<int>(Errc::segment_too_long); ++code) {
    EXPECT_FALSE(describe(static_cast<Errc>(code)).empty()) << code;
  }
  EXPECT_NE(describe(Errc::unterminated_segment), describe(Errc::release_at_end));
}

// locate() gives 1-based lines and byte columns; CR alone does not start a line.
TEST(Tokenizer, LocateLinesAndColumns) {
  const std::string input = "UNB+1'\r\nUNH+1'BGM+2'\n\nDTM'";
  Tokenizer tok(input);
  EXPECT_EQ(tok.locate(0), (Position{0, 1, 1}));
  EXPECT_EQ(tok.locate(8), (Position{8, 2, 1}));
  EXPECT_EQ(tok.locate(14), (Position{14, 2, 7}));
  EXPECT_EQ(tok.locate(22), (Position{22, 4, 1}));
  EXPECT_EQ(tok.locate(input.size()), (Position{input.size(), 4, 5}));
}

// Tokenizing allocates nothing: not per segment, not per input.
TEST(Tokenizer, DoesNotAllocate) {
  std::vector<std::string> inputs;
  for (auto& s : sample_files()) inputs.push_back(std::move(s.bytes));
  inputs.push_back(generated({.seed = 5, .messages = 50, .syntax = 4}));
  std::size_t segments = 0;
  AllocationCounter counter;
  for (const std::string& input : inputs) {
    Tokenizer tok(input);
    RawSegment seg;
    while (tok.next(seg) == Errc::ok) ++segments;
  }
  const auto allocations = counter.allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(segments, 1000u);
}

// ---- the block scanner ------------------------------------------------------------------------

// The mask computation of escaped bytes equals the byte loop on random masks and carries,
// including carries chained from block to block.
TEST(EscapedBytes, MatchesScalarOnRandomMasks) {
  SplitMix64 rng(2024);
  for (int i = 0; i < 200'000; ++i) {
    // Vary the density of release characters: sparse, dense, long runs, all ones.
    std::uint64_t mask = rng.next();
    switch (i % 5) {
      case 0: mask &= rng.next() & rng.next(); break;
      case 1: mask |= rng.next(); break;
      case 2: mask = ~(rng.next() & rng.next() & rng.next()); break;
      case 3: mask = i % 2 == 0 ? ~std::uint64_t{0} : 0; break;
      default: break;
    }
    const std::uint64_t carry_in = rng.below(2);
    std::uint64_t carry_fast = carry_in;
    std::uint64_t carry_scalar = carry_in;
    ASSERT_EQ(detail::escaped_bytes(mask, carry_fast), detail::escaped_bytes_scalar(mask, carry_scalar))
        << std::hex << "mask " << mask << " carry " << carry_in;
    ASSERT_EQ(carry_fast, carry_scalar) << std::hex << "mask " << mask << " carry " << carry_in;
  }
}

// Hand-picked runs: the cases the carry trick is easy to get wrong.
TEST(EscapedBytes, HandPickedRuns) {
  struct Case {
    std::uint64_t release, carry_in, escaped, carry_out;
  };
  const Case cases[] = {
      {0b1, 0, 0b10, 0},                        // "?x": x escaped
      {0b11, 0, 0b10, 0},                       // "??": the second '?' escaped
      {0b111, 0, 0b1010, 0},                    // "???x"
      {0b110, 0, 0b100, 0},                     // run starting on an odd bit
      {std::uint64_t{1} << 63, 0, 0, 1},        // release as the last byte: carries
      {std::uint64_t{3} << 62, 0, std::uint64_t{1} << 63, 0},
      {0, 1, 1, 0},                             // carried escape of the first byte
      {0b1, 1, 0b1, 0},                         // carried escape of a '?': it is literal
      {0b11, 1, 0b101, 0},                      // first '?' escaped, second releases byte 2
      {~std::uint64_t{0}, 0, 0xAAAAAAAAAAAAAAAAULL, 0},
      {~std::uint64_t{0}, 1, 0x5555555555555555ULL, 1},
  };
  for (const Case& c : cases) {
    std::uint64_t carry = c.carry_in;
    EXPECT_EQ(detail::escaped_bytes(c.release, carry), c.escaped) << std::hex << c.release << " " << c.carry_in;
    EXPECT_EQ(carry, c.carry_out) << std::hex << c.release << " " << c.carry_in;
  }
}

// Segments straddling 64-byte block boundaries at every offset: the tokenizer agrees with the
// byte-by-byte reference, and its separator totals with parse_segment.
TEST(TokenizerBlocks, SegmentsStraddleBoundariesAtEveryOffset) {
  const std::string body = "FTX+AAI+++Pallets ?+ cartons?: mixed ?' 50?? paid+x:y:z+last??";
  for (std::size_t pad = 0; pad < 140; ++pad) {
    SCOPED_TRACE(pad);
    std::string input = "BGM+220+" + std::string(pad, 'P') + "'";
    for (int k = 0; k < 4; ++k) input += body.substr(0, body.size() - static_cast<std::size_t>(k) * 7) + "'\n";
    input += "UNS+S'";
    const TokenRun run = tokenize_all(input);
    ASSERT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(run.segments, reference_segments(input, ServiceChars::defaults()));
    const ParsedTotals totals = parsed_totals(input);
    EXPECT_EQ(run.element_separators, totals.elements);
    EXPECT_EQ(run.component_values, totals.components);
  }
}

// A release character as the last byte of a block escapes the first byte of the next block, and
// release runs spanning the boundary keep their parity.
TEST(TokenizerBlocks, ReleasedTerminatorAcrossBoundary) {
  for (std::size_t run_length = 1; run_length <= 5; ++run_length) {
    for (std::size_t boundary : {64u, 128u, 192u}) {
      for (std::size_t shift = 0; shift < run_length + 2; ++shift) {
        // The run of '?' ends at `boundary - 1 + shift - run_length + 1`, then a "'" follows.
        const std::size_t run_end = boundary + shift - 1;  // index of the last '?'
        const std::size_t run_start = run_end + 1 - run_length;
        std::string input = "FTX+AAI+++";
        input += std::string(run_start - input.size(), 'x');
        input += std::string(run_length, '?');
        input += "'tail:1'NAD+BY'";
        SCOPED_TRACE(testing::Message() << "run " << run_length << " ending at " << run_end);
        const TokenRun run = tokenize_all(input);
        ASSERT_EQ(run.result, Errc::end_of_input);
        const auto expected = reference_segments(input, ServiceChars::defaults());
        EXPECT_EQ(run.segments, expected);
        // Odd runs release the terminator: FTX swallows "'tail:1".
        EXPECT_EQ(run.segments.size(), run_length % 2 == 1 ? 2u : 3u);
        const ParsedTotals totals = parsed_totals(input);
        EXPECT_EQ(run.element_separators, totals.elements);
        EXPECT_EQ(run.component_values, totals.components);
      }
    }
  }
}

// Random segments of random lengths with every service character, released or not: the
// tokenizer equals the byte-by-byte reference across many block layouts.
TEST(TokenizerBlocks, RandomSegmentsMatchReference) {
  SplitMix64 rng(99);
  const std::string alphabet = "AB1 ?+:'*.\r\n";
  for (int round = 0; round < 400; ++round) {
    std::string input;
    const int segments = 1 + static_cast<int>(rng.below(12));
    for (int s = 0; s < segments; ++s) {
      input += "FTX+";
      const std::size_t length = rng.below(round % 4 == 0 ? 200 : 40);
      for (std::size_t i = 0; i < length; ++i) input += alphabet[rng.below(alphabet.size())];
      // Close with an unreleased terminator: an even run of '?' before it.
      std::size_t q = 0;
      while (q < input.size() && input[input.size() - 1 - q] == '?') ++q;
      if (q % 2 == 1) input += '?';
      input += "'";
    }
    SCOPED_TRACE(input);
    const TokenRun run = tokenize_all(input);
    ASSERT_EQ(run.result, Errc::end_of_input);
    ASSERT_EQ(run.segments, reference_segments(input, ServiceChars::defaults()));
    const ParsedTotals totals = parsed_totals(input);
    ASSERT_EQ(run.element_separators, totals.elements);
    ASSERT_EQ(run.component_values, totals.components);
  }
}

// The separator totals in TokenizerState are the sums over parsed segments, on every sample and
// on generated syntax 3 and 4 input.
TEST(TokenizerCounts, TotalsEqualSumsOverParsedSegments) {
  std::vector<Sample> inputs = sample_files();
  inputs.push_back({"generated syntax 3", generated({.seed = 11, .messages = 60})});
  inputs.push_back({"generated syntax 4", generated({.seed = 12, .messages = 60, .syntax = 4})});
  inputs.push_back({"generated one line", generated({.seed = 13, .messages = 30, .layout = Layout::one_line})});
  for (const Sample& s : inputs) {
    SCOPED_TRACE(s.name);
    const TokenRun run = tokenize_all(s.bytes);
    ASSERT_EQ(run.result, Errc::end_of_input);
    const ParsedTotals totals = parsed_totals(s.bytes);
    EXPECT_EQ(run.element_separators, totals.elements);
    EXPECT_EQ(run.component_values, totals.components);
  }
}

// A UNA may make LF a separator or the release character. Line breaks skipped before a tag are
// still not data: they separate nothing, release nothing, and the counts do not see them, however
// the 64-byte blocks fall and however the reader cuts the input.
TEST(TokenizerCounts, LineBreakServiceCharsBetweenSegmentsAreNotData) {
  for (std::size_t pad = 0; pad < 70; ++pad) {
    SCOPED_TRACE(pad);
    // Element separator LF: "\n\n" between the segments is skipped, not two empty elements.
    const std::string lf_element = "UNA:\n.? '\n\nFTX\n" + std::string(pad, 'x') + "'\n\nNAD\nBY'\nUNS\nS'";
    TokenRun run = tokenize_all(lf_element);
    ASSERT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(texts_of(run), (Strings{"FTX\n" + std::string(pad, 'x'), "NAD\nBY", "UNS\nS"}));
    EXPECT_EQ(run.element_separators, 3u);
    EXPECT_EQ(run.component_values, 3u);
    for (std::size_t max_read = 1; max_read < 12; ++max_read) {
      const TokenRun stream = stream_all(lf_element, max_read);
      EXPECT_EQ(stream.segments, run.segments);
      EXPECT_EQ(stream.element_separators, run.element_separators);
    }
    // Release character LF: the LF skipped after a terminator does not release the next byte.
    const std::string lf_release = "UNA:+.\n '\n'FTX+" + std::string(pad, 'x') + "'\n'NAD+BY'";
    run = tokenize_all(lf_release);
    ASSERT_EQ(run.result, Errc::end_of_input);
    EXPECT_EQ(texts_of(run), (Strings{"", "FTX+" + std::string(pad, 'x'), "", "NAD+BY"}));
    EXPECT_EQ(baseline::parse(lf_release).size(), 4u);
    for (std::size_t max_read = 1; max_read < 12; ++max_read) {
      EXPECT_EQ(stream_all(lf_release, max_read).segments, run.segments);
    }
  }
}

// Every sample's segments sit where the tokenizer says: text at offset, terminator right after.
TEST(TokenizerSamples, SegmentsSitAtTheirOffsets) {
  for (const Sample& s : sample_files()) {
    SCOPED_TRACE(s.name);
    const TokenRun run = tokenize_all(s.bytes);
    ASSERT_EQ(run.result, Errc::end_of_input);
    ASSERT_FALSE(run.segments.empty());
    for (const auto& seg : run.segments) {
      ASSERT_EQ(s.bytes.compare(seg.offset, seg.text.size(), seg.text), 0);
      ASSERT_EQ(s.bytes[seg.offset + seg.text.size()], seg.chars.terminator);
    }
  }
}

}  // namespace
}  // namespace edi::test
