// The generator: deterministic bytes, valid output in every layout and syntax, and a summary
// that matches an independent count of what was written.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

// splitmix64 is fixed by its reference implementation: these are its first outputs for seed 0.
TEST(SplitMix64, ReferenceSequence) {
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(rng.next(), 0x06C45D188009454FULL);
}

// below() stays below its bound; skewed() prefers small indices.
TEST(SplitMix64, BoundsAndSkew) {
  SplitMix64 rng(3);
  std::vector<int> hits(10, 0);
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_LT(rng.below(7), 7u);
    const std::uint64_t k = rng.skewed(10);
    ASSERT_LT(k, 10u);
    ++hits[k];
  }
  EXPECT_GT(hits[0], 3 * hits[9]);
  EXPECT_GT(hits[9], 0);
}

// The same seed and options give the same bytes; the sink's pieces add up to generate()'s string.
TEST(Generator, SameSeedSameBytes) {
  const GeneratorOptions options{.seed = 7, .messages = 80, .syntax = 4, .groups = true, .duplicate_rate = 0.1};
  const std::string a = generate(options);
  const std::string b = generate(options);
  EXPECT_EQ(a, b);
  std::string pieces;
  const GeneratedSummary summary = generate(options, [&](std::string_view piece) { pieces.append(piece); });
  EXPECT_EQ(pieces, a);
  EXPECT_EQ(summary.bytes, a.size());
}

// Different seeds give different interchanges.
TEST(Generator, DifferentSeedsDiffer) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) seen.insert(generate({.seed = seed, .messages = 10}));
  EXPECT_EQ(seen.size(), 8u);
}

// The output is valid, with no finding at all, in every syntax, layout, grouping and duplicate rate.
TEST(Generator, OutputValidates) {
  for (const int syntax : {3, 4}) {
    for (const Layout layout : {Layout::lf, Layout::crlf, Layout::one_line}) {
      for (const bool groups : {false, true}) {
        for (const double duplicates : {0.0, 0.25}) {
          const GeneratorOptions options{.seed = 100 + static_cast<std::uint64_t>(syntax), .messages = 60, .syntax = syntax,
                                         .layout = layout, .messages_per_interchange = 25, .groups = groups,
                                         .duplicate_rate = duplicates};
          SCOPED_TRACE(testing::Message() << "syntax " << syntax << " layout " << static_cast<int>(layout) << " groups "
                                          << groups << " duplicates " << duplicates);
          const std::string text = generate(options);
          const Structure s = analyze(text);
          EXPECT_EQ(s.result, Errc::end_of_input);
          EXPECT_EQ(s.errors, 0u);
          for (const Finding& f : s.findings) ADD_FAILURE() << format(f, "generated");
          EXPECT_EQ(s.counts.messages, 60u);
          EXPECT_EQ(s.counts.interchanges, 3u);
          EXPECT_EQ(s.counts.groups, groups ? 3u : 0u);
        }
      }
    }
  }
}

// The summary's segments, messages and invoice total equal an independent count: tokenize,
// count UNH, and add up MOA+77 of INVOIC messages with parse_amount.
TEST(Generator, SummaryMatchesIndependentCount) {
  for (const GeneratorOptions& options :
       {GeneratorOptions{.seed = 51, .messages = 150},
        GeneratorOptions{.seed = 52, .messages = 150, .syntax = 4, .layout = Layout::crlf, .groups = true},
        GeneratorOptions{.seed = 53, .messages = 150, .messages_per_interchange = 40, .duplicate_rate = 0.3}}) {
    SCOPED_TRACE(options.seed);
    std::string text;
    const GeneratedSummary summary = generate(options, [&](std::string_view piece) { text.append(piece); });
    Tokenizer tok(text);
    RawSegment raw;
    Segment seg;
    std::size_t segments = 0, messages = 0, interchanges = 0;
    Amount total;
    bool in_invoice = false;
    while (tok.next(raw) == Errc::ok) {
      ++segments;
      if (raw.tag == "UNB") ++interchanges;
      if (raw.tag == "UNH") {
        ++messages;
        in_invoice = message_type(raw) == "INVOIC";
      }
      if (in_invoice && raw.tag == "MOA") {
        parse_segment(raw, seg);
        Amount amount;
        if (seg.component(0, 0) == "77") {
          ASSERT_TRUE(parse_amount(seg.component(0, 1), raw.chars.decimal, amount)) << raw.text;
          total += amount;
        }
      }
    }
    EXPECT_EQ(summary.segments, segments);
    EXPECT_EQ(summary.messages, messages);
    EXPECT_EQ(summary.interchanges, interchanges);
    EXPECT_EQ(summary.invoice_total, total);
    EXPECT_GT(total.units, 0);
    if (options.duplicate_rate > 0) {
      EXPECT_GT(summary.duplicates, 0u);
    }
  }
}

// target_bytes stops at the first message boundary past it: a little over, never under.
TEST(Generator, TargetBytesStopsAtAMessageBoundary) {
  const GeneratedSummary summary = generate({.seed = 9, .target_bytes = 100'000}, [](std::string_view) {});
  EXPECT_GE(summary.bytes, 100'000u);
  EXPECT_LT(summary.bytes, 120'000u);
  const std::string text = generate({.seed = 9, .target_bytes = 100'000});
  EXPECT_EQ(analyze(text).errors, 0u);
}

// What the generator promises to contain: released service characters, "??'" at a segment end,
// and syntax 4 repetitions.
TEST(Generator, ContainsTheQuirksItPromises) {
  const std::string v3 = generate({.seed = 61, .messages = 200});
  EXPECT_NE(v3.find("??'"), std::string::npos);
  EXPECT_NE(v3.find("?+"), std::string::npos);
  EXPECT_NE(v3.find("?:"), std::string::npos);
  EXPECT_NE(v3.find("?'"), std::string::npos);
  const std::string v4 = generate({.seed = 61, .messages = 200, .syntax = 4});
  EXPECT_EQ(v4.rfind("UNA:+.?*'", 0), 0u);
  EXPECT_NE(v4.find("?*"), std::string::npos);
  EXPECT_NE(v4.find("ALI+DE*NL"), std::string::npos);
}

// Partners carry 13-digit GLNs with valid GS1 check digits.
TEST(Generator, PartnersHaveValidGlns) {
  ASSERT_FALSE(partners().empty());
  for (const Partner& p : partners()) {
    ASSERT_EQ(p.gln.size(), 13u) << p.gln;
    int sum = 0;
    for (std::size_t i = 0; i < 12; ++i) sum += (p.gln[i] - '0') * (i % 2 == 0 ? 1 : 3);
    EXPECT_EQ(p.gln[12] - '0', (10 - sum % 10) % 10) << p.gln;
    EXPECT_EQ(p.country.size(), 2u);
  }
}

}  // namespace
}  // namespace edi::test
