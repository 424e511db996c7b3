// Counting an input (what `edi stats` prints): consistent with analyze() and with the parse.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "edi/edi.hpp"
#include "alloc_counter.hpp"
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

// Memory is bounded whatever the input: past Stats::kMaxMessageTypes distinct types the messages
// are counted together, so 5,000 distinct types keep 1,000 map entries (edi_tool_test.py runs
// `edi stats` on 300,000 of them and measures its peak memory).
TEST(Stats, DistinctMessageTypesAreBounded) {
  std::string input = "UNB+UNOC:3+A+B+1'";
  std::set<std::string> first;
  constexpr std::size_t kTypes = 5'000;
  for (std::size_t i = 0; i < kTypes; ++i) {
    std::string type = "AAAAAA";
    for (std::size_t n = i, k = 0; k < 6; n /= 26, ++k) type[5 - k] = static_cast<char>('A' + n % 26);
    if (first.size() < Stats::kMaxMessageTypes) first.insert(type);
    input += "UNH+1+" + type + ":D:96A:UN'UNT+2+1'";
  }
  input += "UNZ+5000+1'";
  const Stats stats = stats_of(input);
  EXPECT_EQ(stats.messages, kTypes);
  ASSERT_EQ(stats.message_types.size(), Stats::kMaxMessageTypes);
  for (const auto& [type, n] : stats.message_types) {
    EXPECT_TRUE(first.count(type)) << type;  // the first types seen keep their names
    EXPECT_EQ(n, 1u);
  }
  EXPECT_EQ(stats.other_message_types, kTypes - Stats::kMaxMessageTypes);
  EXPECT_EQ(stats.long_message_types, 0u);
}

// A type longer than the syntax allows (an..6) is counted apart, not kept as a name, and reading
// it costs no allocation whatever its length.
TEST(Stats, LongMessageTypesAreCountedNotKept) {
  const std::string huge(1 << 20, 'X');
  const std::string input = "UNB+UNOC:3+A+B+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERSX:D:96A:UN'UNT+2+2'"
                            "UNH+3+" + huge + ":D:96A:UN'UNT+2+3'UNH+4+" + huge + "'UNT+2+4'UNZ+4+1'";
  const Stats stats = stats_of(input);
  EXPECT_EQ(stats.messages, 4u);
  EXPECT_EQ(stats.message_types, (std::map<std::string, std::uint64_t, std::less<>>{{"ORDERS", 1}}));
  EXPECT_EQ(stats.long_message_types, 3u);
  EXPECT_EQ(stats.other_message_types, 0u);

  Tokenizer tok(input);
  Stats counted;
  AllocationCounter counter;
  ASSERT_EQ(collect_stats(tok, counted), Errc::end_of_input);
  EXPECT_LE(counter.bytes(), 1024u);  // one small map node; no copy of a 1 MiB type

  const std::string unh_text = "UNH+1+" + huge + "'";
  Tokenizer unh(unh_text);
  RawSegment seg;
  ASSERT_EQ(unh.next(seg), Errc::ok);
  EXPECT_EQ(message_type(seg, 7), std::string(7, 'X'));
  EXPECT_EQ(message_type(seg).size(), huge.size());
}

}  // namespace
}  // namespace edi::test
