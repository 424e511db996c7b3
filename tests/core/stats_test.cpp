// Counting an input (what `edi stats` prints): consistent with analyze() and with the parse.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

Stats stats_of(std::string_view input) {
  Tokenizer tok(input);
  Stats stats;
  EXPECT_EQ(collect_stats(tok, stats), Errc::end_of_input);
  return stats;
}

// The definitions in stats.hpp: "DTM+'" has one element, "DTM'" none, "A:B*C" three components.
TEST(Stats, Definitions) {
  const Stats s = stats_of("UNB+UNOC:4+A+B+1'DTM'DTM+'ALI+A:B*C'UNZ+0+1'");
  EXPECT_EQ(s.segments, 5u);
  EXPECT_EQ(s.interchanges, 1u);
  EXPECT_EQ(s.elements, 4u + 0u + 1u + 1u + 2u);
  EXPECT_EQ(s.components, 5u + 0u + 1u + 3u + 2u);
  EXPECT_EQ(s.messages, 0u);
}

// On every sample and on generated input: the envelope counts of analyze(), the message types of
// its messages, and the element and component sums of parse_segment.
TEST(Stats, ConsistentWithAnalyzeAndParse) {
  std::vector<Sample> inputs = sample_files();
  inputs.push_back({"generated", generated({.seed = 81, .messages = 90, .syntax = 4, .groups = true})});
  for (const Sample& input : inputs) {
    SCOPED_TRACE(input.name);
    const Stats stats = stats_of(input.bytes);
    const Structure s = analyze(input.bytes);
    EXPECT_EQ(stats.segments, s.counts.segments);
    EXPECT_EQ(stats.interchanges, s.counts.interchanges);
    EXPECT_EQ(stats.groups, s.counts.groups);
    EXPECT_EQ(stats.messages, s.counts.messages);
    std::map<std::string, std::uint64_t, std::less<>> types;
    for (const MessageInfo& m : s.messages) ++types[m.type];
    EXPECT_EQ(stats.message_types, types);
    const ParsedTotals totals = parsed_totals(input.bytes);
    EXPECT_EQ(stats.elements, totals.elements);
    EXPECT_EQ(stats.components, totals.components);
  }
}

// message_type() reads UNH element 2, component 1, unescaped and without line breaks.
TEST(Stats, MessageType) {
  Tokenizer tok("UNH+1+ORDERS:D:96A:UN'UNH+A?+B+INV\r\nOIC'UNH+1+DES?:ADV+x'UNH+1'UNH'");
  RawSegment seg;
  const char* expected[] = {"ORDERS", "INVOIC", "DES:ADV", "", ""};
  for (const char* type : expected) {
    ASSERT_EQ(tok.next(seg), Errc::ok);
    EXPECT_EQ(message_type(seg), type) << seg.text;
  }
}

}  // namespace
}  // namespace edi::test
