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
  // Every input of these tests is valid: the core reads each to its end.
  EXPECT_EQ(edi::collect_stats(tok, stats), edi::Errc::end_of_input);
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

// --- several occurrences, exactness, boundaries, incomplete input ------------------------------

// Every MOA+77 of an invoice counts, not only the first or the last one.
TEST(InvoiceTotal, AddsEveryInvoiceAmountOfAMessage) {
  const std::string text =
      "UNH+1+INVOIC:D:96A:UN'MOA+77:100.00'MOA+77:20.50'MOA+77:3.25'UNT+5+1'"
      "UNH+2+INVOIC:D:96A:UN'MOA+77:1.00'UNT+3+2'";
  EXPECT_EQ(invoice_total(text), amount("124.75"));
}

// The message type decides, exactly: not a reference that spells INVOIC, not a type code that
// only starts with it, not INVOIC in another element.
TEST(InvoiceTotal, OnlyTheTypeCodeINVOIC) {
  const std::string text =
      "UNH+INVOIC+ORDERS:D:96A:UN'MOA+77:1000.00'UNT+3+INVOIC'"
      "UNH+2+INVOICX:D:96A:UN'MOA+77:2000.00'UNT+3+2'"
      "UNH+3+ORDERS:D:96A:UN:INVOIC'MOA+77:4000.00'UNT+3+3'"
      "UNH+4+INVOIC:D:96A:UN'MOA+77:8.00'UNT+3+4'";
  EXPECT_EQ(invoice_total(text), amount("8.00"));
}

// Exact fixed-point sums: amounts a double cannot hold (14 integer digits and 4 decimals), and
// amounts whose double times 10000 falls just below the integer (0.57 is 0.56999...).
TEST(InvoiceTotal, IsExactWhereADoubleIsNot) {
  const std::string big =
      "UNH+1+INVOIC:D:96A:UN'MOA+77:12345678901234.5678'MOA+77:98765432109876.5432'MOA+77:0.0001'UNT+5+1'";
  edi::Amount expected;
  expected.units = 1'111'111'110'111'111'111;  // 111111111011111.1111
  EXPECT_EQ(invoice_total(big), expected) << edi::to_string(invoice_total(big));
  const std::string small =
      "UNH+1+INVOIC:D:96A:UN'MOA+77:0.57'MOA+77:1.13'MOA+77:2.01'MOA+77:4.06'MOA+77:-0.69'UNT+7+1'";
  EXPECT_EQ(invoice_total(small), amount("7.08")) << edi::to_string(invoice_total(small));
  EXPECT_EQ(invoice_total("UNH+1+INVOIC:D:96A:UN'MOA+77:0.57'UNT+3+1'"), amount("0.57"));
}

// Each interchange has its own UNA: the decimal mark of the second is not the first one's.
TEST(InvoiceTotal, EachInterchangeHasItsOwnDecimalMark) {
  const std::string text =
      "UNB+UNOC:3+A+B+261127:1200+1'UNH+1+INVOIC:D:96A:UN'MOA+77:10.25'UNT+3+1'UNZ+1+1'"
      "UNA:+,? 'UNB+UNOC:3+A+B+261127:1200+2'UNH+1+INVOIC:D:96A:UN'MOA+77:2,5'UNT+3+1'UNZ+1+2'"
      "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+3'UNH+1+INVOIC:D:96A:UN'MOA+77:0.25'UNT+3+1'UNZ+1+3'";
  EXPECT_EQ(invoice_total(text), amount("13.00"));
}

// A message without its UNT ends at the next UNH: an order after an unterminated invoice is not
// an invoice. Amounts after a UNT and before the next UNH belong to no message.
TEST(InvoiceTotal, AMessageEndsAtTheNextUnhOrItsUnt) {
  EXPECT_EQ(invoice_total("UNH+1+INVOIC:D:96A:UN'MOA+77:10.00'UNH+2+ORDERS:D:96A:UN'MOA+77:5.00'UNT+3+2'"),
            amount("10.00"));
  EXPECT_EQ(invoice_total("UNH+1+INVOIC:D:96A:UN'MOA+77:10.00'UNT+3+1'MOA+77:5.00'UNZ+1+1'"), amount("10.00"));
  EXPECT_EQ(invoice_total("UNH+1+ORDERS:D:96A:UN'MOA+77:1.00'UNH+2+INVOIC:D:96A:UN'MOA+77:2.00'"), amount("2.00"));
}

// Input that ends inside a segment: the answer covers the segments before it.
TEST(InvoiceTotal, CountsUpToAnInputError) {
  EXPECT_EQ(invoice_total("UNH+1+INVOIC:D:96A:UN'MOA+77:5.00'MOA+77:7.00"), amount("5.00"));
  EXPECT_EQ(invoice_total("UNH+1+INVOIC:D:96A:UN'MOA+77:5.00'MOA+77:7.00?"), amount("5.00"));
}

// Input that ends inside a UNH: that message is not counted; the ones before are.
TEST(CountMessagesByType, CountsUpToAnInputError) {
  const auto counts = count_messages_by_type("UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+INVOIC:D:96A:UN");
  EXPECT_EQ(counts, (std::map<std::string, std::size_t, std::less<>>{{"ORDERS", 1}}));
}

// Types that share a prefix or contain one another are counted apart; a type without version
// components is still its type.
TEST(CountMessagesByType, TypesThatContainEachOtherAreApart) {
  const auto counts = count_messages_by_type(
      "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERSP:D:96A:UN'UNT+2+2'UNH+3+ORDRSP:D:96A:UN'UNT+2+3'"
      "UNH+4+ORDERS'UNT+2+4'UNH+ORDERS+IFTSTA:D:01B:UN'UNT+2+ORDERS'");
  EXPECT_EQ(counts, (std::map<std::string, std::size_t, std::less<>>{
                        {"IFTSTA", 1}, {"ORDERS", 2}, {"ORDERSP", 1}, {"ORDRSP", 1}}));
}

// Every UNA is advice, not a segment: two interchanges, two UNAs, none counted.
TEST(CountSegments, SkipsEveryUna) {
  const std::string text =
      "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNZ+0+1'UNA:+,? 'UNB+UNOC:3+A+B+261127:1200+2'UNZ+0+2'";
  EXPECT_EQ(count_segments(text), 4u);
  EXPECT_EQ(count_segments(text), core_segment_count(text));
}

}  // namespace
