// Graders of lesson 00: the warm-up over the core API. Each suite is one function of warmup.hpp;
// the expected values come from the core (edi::collect_stats, edi::analyze) and the generator.
#include <gtest/gtest.h>

#include <string>

#include "edi/edi.hpp"
#include "warmup.hpp"

namespace {

using edi::warmup::count_messages_by_type;
using edi::warmup::count_segments;
using edi::warmup::invoice_total;

// Generated interchanges in every layout and syntax version the core reads.
std::vector<std::string> generated_inputs() {
  std::vector<std::string> out;
  std::uint64_t seed = 11;
  for (const int syntax : {3, 4}) {
    for (const auto layout : {edi::Layout::lf, edi::Layout::crlf, edi::Layout::one_line}) {
      edi::GeneratorOptions opt;
      opt.seed = seed++;
      opt.messages = 60;
      opt.syntax = syntax;
      opt.layout = layout;
      opt.messages_per_interchange = 25;
      opt.duplicate_rate = 0.2;
      out.push_back(edi::generate(opt));
    }
  }
  return out;
}

const std::vector<std::string>& inputs() {
  static const std::vector<std::string> all = generated_inputs();
  return all;
}

std::uint64_t core_segment_count(std::string_view text) {
  edi::Tokenizer tok(text);
  edi::Stats stats;
  edi::collect_stats(tok, stats);
  return stats.segments;
}

edi::Amount amount(std::string_view text) {
  edi::Amount a;
  EXPECT_TRUE(edi::parse_amount(text, '.', a)) << text;
  return a;
}

// --- count_segments --------------------------------------------------------------------------

// Same count as the core on generated interchanges of every layout.
TEST(CountSegments, MatchesTheCoreOnGeneratedInterchanges) {
  for (const std::string& text : inputs()) EXPECT_EQ(count_segments(text), core_segment_count(text));
}

// The UNA service string advice is not a segment; a released terminator does not end one.
TEST(CountSegments, SkipsTheUnaAndReleasedTerminators) {
  EXPECT_EQ(count_segments("UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'FTX+AAI+++Don?'t stack'UNZ+0+1'"), 3u);
}

// Custom separators from the UNA: '~' ends segments here, '\'' is data.
TEST(CountSegments, ReadsTheSeparatorsOfTheUna) {
  EXPECT_EQ(count_segments("UNA=*.? ~UNB*UNOC=3*A*B*261127=1200*1~FTX*AAI***it's~UNZ*0*1~"), 3u);
}

// Nothing in, nothing counted.
TEST(CountSegments, EmptyInputHasNoSegments) {
  EXPECT_EQ(count_segments(""), 0u);
  EXPECT_EQ(count_segments("\r\n"), 0u);
}

// A truncated last segment is not counted; the ones before it are.
TEST(CountSegments, CountsUpToAnInputError) { EXPECT_EQ(count_segments("UNB+UNOC:3+A+B+1+1'UNH+1+ORDERS'BGM+220"), 2u); }

// --- count_messages_by_type ------------------------------------------------------------------

// Same types and counts as the envelope analysis of the core.
TEST(CountMessagesByType, MatchesTheEnvelopeOnGeneratedInterchanges) {
  for (const std::string& text : inputs()) {
    std::map<std::string, std::size_t, std::less<>> expected;
    for (const auto& m : edi::analyze(text).messages) ++expected[m.type];
    EXPECT_EQ(count_messages_by_type(text), expected);
  }
}

// The type is the first component of UNH element 2, not the whole identifier.
TEST(CountMessagesByType, UsesTheTypeCode) {
  const auto counts = count_messages_by_type(
      "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERS:D:01B:UN:EAN010'UNT+2+2'UNH+3+INVOIC:D:96A:UN'UNT+2+3'");
  EXPECT_EQ(counts, (std::map<std::string, std::size_t, std::less<>>{{"INVOIC", 1}, {"ORDERS", 2}}));
}

// A released '+' inside the message reference is data, not an element separator.
TEST(CountMessagesByType, HonoursTheReleaseCharacter) {
  const auto counts = count_messages_by_type("UNH+A?+B+DESADV:D:96A:UN'UNT+2+A?+B'");
  EXPECT_EQ(counts, (std::map<std::string, std::size_t, std::less<>>{{"DESADV", 1}}));
}

// No UNH, no messages.
TEST(CountMessagesByType, EmptyInputHasNoMessages) { EXPECT_TRUE(count_messages_by_type("").empty()); }

// --- invoice_total ---------------------------------------------------------------------------

// Same total as the generator wrote, retransmitted invoices included.
TEST(InvoiceTotal, MatchesTheGeneratorOnGeneratedInterchanges) {
  std::uint64_t seed = 100;
  for (const int syntax : {3, 4}) {
    edi::GeneratorOptions opt;
    opt.seed = seed++;
    opt.messages = 80;
    opt.syntax = syntax;
    opt.duplicate_rate = 0.25;
    edi::GeneratedSummary summary;
    std::string text;
    summary = edi::generate(opt, [&](std::string_view piece) { text.append(piece); });
    EXPECT_EQ(invoice_total(text), summary.invoice_total) << "syntax " << syntax;
  }
}

// Only MOA+77 inside INVOIC messages counts: not other qualifiers, not other message types.
TEST(InvoiceTotal, OnlyInvoiceAmountsOfInvoices) {
  const std::string text =
      "UNB+UNOC:3+A+B+261127:1200+1'"
      "UNH+1+INVOIC:D:96A:UN'MOA+79:100.00'MOA+77:119.00'UNT+4+1'"
      "UNH+2+ORDERS:D:96A:UN'MOA+77:50.00'UNT+3+2'"
      "UNH+3+INVOIC:D:96A:UN'MOA+77:0.81'UNT+3+3'"
      "UNZ+3+1'";
  EXPECT_EQ(invoice_total(text), amount("119.81"));
}

// A UNA can make the decimal mark a comma.
TEST(InvoiceTotal, UsesTheDecimalMarkOfTheUna) {
  const std::string text = "UNA:+,? 'UNB+UNOC:3+A+B+261127:1200+1'UNH+1+INVOIC:D:96A:UN'MOA+77:1234,56'UNT+3+1'UNZ+1+1'";
  EXPECT_EQ(invoice_total(text), amount("1234.56"));
}

// Amounts that are not numbers are skipped, the others still count.
TEST(InvoiceTotal, SkipsAmountsThatAreNotNumbers) {
  const std::string text = "UNH+1+INVOIC:D:96A:UN'MOA+77:12.5O'MOA+77:7.25'UNT+4+1'";
  EXPECT_EQ(invoice_total(text), amount("7.25"));
}

// No invoices: zero.
TEST(InvoiceTotal, ZeroWithoutInvoices) { EXPECT_EQ(invoice_total("UNH+1+ORDERS:D:96A:UN'MOA+77:5'UNT+3+1'"), edi::Amount{}); }

}  // namespace
