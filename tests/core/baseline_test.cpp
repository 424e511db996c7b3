// The baseline parser (the lessons' "before"): the same segments as the core on every sample and
// on generated input, and ParseError with the offset on input it cannot read.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

std::vector<baseline::Segment> core_as_baseline(std::string_view input) {
  std::vector<Segment> segments;
  EXPECT_EQ(parse_all(input, segments), Errc::end_of_input);
  std::vector<baseline::Segment> out;
  for (const Segment& s : segments) out.push_back(baseline::from_core(s));
  return out;
}

void expect_equal(const std::vector<baseline::Segment>& actual, const std::vector<baseline::Segment>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(actual[i], expected[i]) << "segment " << i << " " << expected[i].tag;
}

// The example at the top of baseline.hpp.
TEST(Baseline, HeaderExample) {
  const auto segs = baseline::parse("UNA:+.? 'UNB+UNOC:3+A+B+1'UNH+1+ORDERS:D:96A:UN'NAD+BY+5412345000013::9'");
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[2].tag, "NAD");
  EXPECT_EQ(segs[2].elements[1][0][2], "9");
  EXPECT_EQ(segs[2].elements[1][0][0], "5412345000013");
}

// Every sample without leading junk (the baseline does not skip junk) parses as in the core.
TEST(Baseline, EqualsCoreOnSamples) {
  std::size_t compared = 0;
  for (const Sample& s : sample_files()) {
    Tokenizer tok(s.bytes);
    RawSegment first;
    // Only leading_junk() matters here: it is known once the first segment was looked for.
    std::ignore = tok.next(first);
    if (tok.leading_junk() > 0) continue;
    SCOPED_TRACE(s.name);
    expect_equal(baseline::parse(s.bytes), core_as_baseline(s.bytes));
    ++compared;
  }
  EXPECT_GE(compared, sample_files().size() - 1);
}

// Generated input in both syntaxes and every layout parses as in the core.
TEST(Baseline, EqualsCoreOnGenerated) {
  for (const GeneratorOptions& options :
       {GeneratorOptions{.seed = 71, .messages = 60}, GeneratorOptions{.seed = 72, .messages = 60, .syntax = 4},
        GeneratorOptions{.seed = 73, .messages = 60, .syntax = 4, .layout = Layout::crlf, .groups = true},
        GeneratorOptions{.seed = 74, .messages = 60, .layout = Layout::one_line}}) {
    SCOPED_TRACE(options.seed);
    const std::string text = generate(options);
    expect_equal(baseline::parse(text), core_as_baseline(text));
  }
}

// Line breaks inside a tag are dropped, released or not, as the core's Tag drops them.
TEST(Baseline, LineBreaksInTagsAreDropped) {
  for (const std::string input : {"AL\nI+DE'", "A?\nB+x'", "A?\r\nB'", "U\r\nNT+2+1'"}) {
    SCOPED_TRACE(input);
    expect_equal(baseline::parse(input), core_as_baseline(input));
  }
  EXPECT_EQ(baseline::parse("AL\nI+DE'")[0].tag, "ALI");
  // A UNA that makes LF the release character: an LF inside a tag is still dropped.
  const std::string lf_release = "UNA:+.\n 'AB\nCD+x'";
  expect_equal(baseline::parse(lf_release), core_as_baseline(lf_release));
  EXPECT_EQ(baseline::parse(lf_release)[0].tag, "ABCD");
}

// Input the baseline cannot read throws ParseError with the offset the core reports.
TEST(Baseline, ThrowsParseErrorWithOffset) {
  const std::string text = generate({.seed = 75, .messages = 5});
  const std::vector<std::string> inputs = {
      text.substr(0, text.size() / 2),           // unterminated
      text + "FTX+AAI+++50?",                    // release character at the end
      text.substr(0, 6),                         // truncated UNA
      "UNB+1'\nUNA:+.:? '",                      // invalid UNA
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input.substr(input.size() > 40 ? input.size() - 40 : 0));
    std::vector<Segment> segments;
    std::size_t error_offset = 0;
    ASSERT_NE(parse_all(input, segments, &error_offset), Errc::end_of_input);
    try {
      const std::vector<baseline::Segment> parsed = baseline::parse(input);
      ADD_FAILURE() << "no ParseError (" << parsed.size() << " segments)";
    } catch (const baseline::ParseError& e) {
      EXPECT_EQ(e.offset(), error_offset);
      EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(error_offset)), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace edi::test
