// The envelope check: every finding code on a minimal input, at its exact line and column; the
// check going on after an error; message ranges; split_messages against the generator's counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "samples.hpp"
#include "test_helpers.hpp"

namespace edi::test {
namespace {

struct Found {
  std::string code;
  std::size_t line = 0;
  std::size_t column = 0;
  Severity severity = Severity::error;
  friend bool operator==(const Found&, const Found&) = default;
};

void PrintTo(const Found& f, std::ostream* os) {
  *os << (f.severity == Severity::error ? "error " : "warning ") << f.code << " at " << f.line << ":" << f.column;
}

constexpr Severity kError = Severity::error;
constexpr Severity kWarning = Severity::warning;

std::vector<Found> found(const std::vector<Finding>& findings) {
  std::vector<Found> out;
  for (const Finding& f : findings) out.push_back(Found{f.code, f.position.line, f.position.column, f.severity});
  return out;
}

std::vector<Found> found(const Structure& s) { return found(s.findings); }

std::vector<Found> found(const std::string& input) { return found(analyze(input)); }

// Lines joined with LF: inputs read like the files they stand for.
std::string lines(std::initializer_list<std::string_view> list) {
  std::string out;
  for (const std::string_view l : list) {
    out += l;
    out += '\n';
  }
  return out;
}

constexpr std::string_view kUnb = "UNB+UNOC:3+SENDER:14+RECEIVER:14+261127:1200+IC1'";
constexpr std::string_view kUnh = "UNH+1+ORDERS:D:96A:UN'";
constexpr std::string_view kBgm = "BGM+220+PO1+9'";
constexpr std::string_view kUnt = "UNT+3+1'";
constexpr std::string_view kUnz = "UNZ+1+IC1'";

// The well-formed interchange the minimal inputs are variations of: no findings at all.
TEST(Envelope, MinimalInterchangeHasNoFindings) {
  const Structure s = analyze(lines({kUnb, kUnh, kBgm, kUnt, kUnz}));
  EXPECT_EQ(found(s), std::vector<Found>{});
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.counts.interchanges, 1u);
  EXPECT_EQ(s.counts.messages, 1u);
  EXPECT_EQ(s.counts.segments, 5u);
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_EQ(s.messages[0].type, "ORDERS");
  EXPECT_EQ(s.messages[0].identifier, "ORDERS:D:96A:UN");
  EXPECT_EQ(s.messages[0].reference, "1");
  EXPECT_TRUE(s.messages[0].complete);
}

// The example in envelope.hpp: the line of the UNT, the counts and the UNH's line in the message.
TEST(Envelope, FormatOfAFinding) {
  const Structure s = analyze(lines({kUnb, kUnh, kBgm, "UNT+5+1'", kUnz}));
  ASSERT_EQ(s.findings.size(), 1u);
  EXPECT_EQ(format(s.findings[0], "orders.edi"),
            "orders.edi:4:1: error: UNT declares 5 segments; the message has 3 (UNH at line 2) [unt-count]");
}

TEST(EnvelopeFindings, LeadingJunk) {  // junk is reported at the start of the input
  EXPECT_EQ(found("From: gateway\r\n" + lines({kUnb, kUnh, kBgm, kUnt, kUnz})),
            (std::vector<Found>{{"leading-junk", 1, 1, kError}}));
}

TEST(EnvelopeFindings, OddTag) {  // a two-letter tag, after another segment on the same line
  EXPECT_EQ(found(lines({kUnb, kUnh, "BGM+220'DT+137:20261127:102'", "UNT+4+1'", kUnz})),
            (std::vector<Found>{{"odd-tag", 3, 9, kError}}));
}

// A control byte in a tag is written \xNN in the message: one printable line whatever the input.
TEST(EnvelopeFindings, ControlBytesInATagAreEscaped) {
  const Structure s = analyze(lines({kUnb, kUnh, std::string("B\0G\x1b\x7fM+220'", 11), "UNT+3+1'", kUnz}));
  ASSERT_EQ(s.findings.size(), 1u);
  EXPECT_EQ(s.findings[0].code, "odd-tag");
  EXPECT_EQ(s.findings[0].message,
            "segment tag 'B\\x00G\\x1B\\x7FM' is not three upper-case letters or digits starting with a letter: "
            "expected a tag such as 'NAD'");
}

// A tag longer than Tag::kCapacity is an odd tag, shown cut with "...".
TEST(EnvelopeFindings, LongTagIsOdd) {
  const Structure s = analyze(lines({kUnb, kUnh, "ABCDEFGHIJKLMNOPQRSTUVWXYZ+1'", "UNT+3+1'", kUnz}));
  ASSERT_EQ(s.findings.size(), 1u);
  EXPECT_EQ(s.findings[0].code, "odd-tag");
  EXPECT_NE(s.findings[0].message.find("'ABCDEFGHIJKLMNOP'..."), std::string::npos) << s.findings[0].message;
}

TEST(EnvelopeFindings, HardWrappedTag) {  // a line break inside a tag: one warning, at the segment
  EXPECT_EQ(found(lines({kUnb, kUnh, "BG", "M+220'DT", "M+137:20261127:102'", "UNT+4+1'", kUnz})),
            (std::vector<Found>{{"hard-wrapped", 3, 1, kWarning}}));
}

TEST(EnvelopeFindings, HardWrappedEnvelopeValue) {  // a line break inside UNH's message type
  const Structure s = analyze(lines({kUnb, "UNH+1+ORD", "ERS:D:96A:UN'", kBgm, kUnt, kUnz}));
  EXPECT_EQ(found(s), (std::vector<Found>{{"hard-wrapped", 2, 1, kWarning}}));
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_EQ(s.messages[0].type, "ORDERS");
}

TEST(EnvelopeFindings, OutsideMessage) {  // once per run of segments outside messages
  EXPECT_EQ(found(lines({kUnb, "BGM+220'", "FTX+AAI'", kUnh, kBgm, kUnt, "FTX+AAI'", "FTX+AAI'", kUnz})),
            (std::vector<Found>{{"outside-message", 2, 1, kError}, {"outside-message", 7, 1, kError}}));
}

TEST(EnvelopeFindings, OutsideInterchange) {  // a message without UNB warns; a group without UNB is an error
  EXPECT_EQ(found(lines({kUnh, kBgm, kUnt})), (std::vector<Found>{{"outside-interchange", 1, 1, kWarning}}));
  EXPECT_EQ(found(lines({"UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt, "UNE+1+G1'"})),
            (std::vector<Found>{{"outside-interchange", 1, 1, kError}, {"outside-interchange", 2, 1, kWarning}}));
}

TEST(EnvelopeFindings, OutsideGroup) {  // a message after the group closed, in an interchange with groups
  EXPECT_EQ(found(lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt, "UNE+1+G1'",
                         "UNH+2+ORDERS:D:96A:UN'", kBgm, "UNT+3+2'", kUnz})),
            (std::vector<Found>{{"outside-group", 7, 1, kError}}));
}

TEST(EnvelopeFindings, MissingUnt) {  // reported where the next UNH, the UNZ or the end shows it
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, "UNH+2+ORDERS:D:96A:UN'", kBgm, "UNT+3+2'", "UNZ+2+IC1'"})),
            (std::vector<Found>{{"missing-unt", 4, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnz})), (std::vector<Found>{{"missing-unt", 4, 1, kError}}));
  EXPECT_EQ(found(std::string(kUnb) + std::string(kUnh) + "BGM+220'"),
            (std::vector<Found>{{"missing-unt", 1, 80, kError}, {"missing-unz", 1, 80, kError}}));
}

TEST(EnvelopeFindings, MissingUne) {  // a group still open at UNZ, or at the next UNG
  EXPECT_EQ(found(lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt, kUnz})),
            (std::vector<Found>{{"missing-une", 6, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt,
                         "UNG+ORDERS+A+B+261127:1200+G2+UN+D:96A'", "UNE+0+G2'", "UNZ+2+IC1'"})),
            (std::vector<Found>{{"missing-une", 6, 1, kError}}));
}

TEST(EnvelopeFindings, MissingUnz) {  // at the next UNB, or at the end of the input
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, kUnb, kUnh, kBgm, kUnt, kUnz})),
            (std::vector<Found>{{"missing-unz", 5, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt})), (std::vector<Found>{{"missing-unz", 5, 1, kError}}));
}

TEST(EnvelopeFindings, UnexpectedTrailers) {  // UNT, UNE, UNZ without their opening segment
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, "UNT+3+1'", kUnz})),
            (std::vector<Found>{{"unexpected-unt", 5, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, "UNE+1+G1'", kUnz})),
            (std::vector<Found>{{"unexpected-une", 5, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, kUnz, kUnz})),
            (std::vector<Found>{{"unexpected-unz", 6, 1, kError}}));
}

TEST(EnvelopeFindings, UntCount) {  // a wrong count, and a count that is no number
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, "UNT+4+1'", kUnz})), (std::vector<Found>{{"unt-count", 4, 1, kError}}));
  const Structure s = analyze(lines({kUnb, kUnh, kBgm, "UNT+3a+1'", kUnz}));
  EXPECT_EQ(found(s), (std::vector<Found>{{"unt-count", 4, 1, kError}}));
  EXPECT_NE(s.findings[0].message.find("'3a' is not a number: expected 3"), std::string::npos) << s.findings[0].message;
}

TEST(EnvelopeFindings, UntReference) {  // UNT must repeat the UNH reference
  const Structure s = analyze(lines({kUnb, kUnh, kBgm, "UNT+3+2'", kUnz}));
  EXPECT_EQ(found(s), (std::vector<Found>{{"unt-reference", 4, 1, kError}}));
  EXPECT_NE(s.findings[0].message.find("'2' does not match '1'"), std::string::npos) << s.findings[0].message;
}

TEST(EnvelopeFindings, UneCountAndReference) {  // UNE counts the group's messages and repeats its reference
  EXPECT_EQ(found(lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt, "UNE+2+G1'", kUnz})),
            (std::vector<Found>{{"une-count", 6, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt, "UNE+1+G9'", kUnz})),
            (std::vector<Found>{{"une-reference", 6, 1, kError}}));
}

TEST(EnvelopeFindings, UnzCountAndReference) {  // UNZ counts messages (or groups) and repeats UNB's reference
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, "UNZ+2+IC1'"})), (std::vector<Found>{{"unz-count", 5, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, "UNZ+1+IC2'"})),
            (std::vector<Found>{{"unz-reference", 5, 1, kError}}));
  // With groups UNZ counts groups: one group of two messages is "UNZ+1".
  const std::string grouped = lines({kUnb, "UNG+ORDERS+A+B+261127:1200+G1+UN+D:96A'", kUnh, kBgm, kUnt,
                                     "UNH+2+ORDERS:D:96A:UN'", kBgm, "UNT+3+2'", "UNE+2+G1'"});
  EXPECT_EQ(found(grouped + "UNZ+1+IC1'"), std::vector<Found>{});
  EXPECT_EQ(found(grouped + "UNZ+2+IC1'"), (std::vector<Found>{{"unz-count", 10, 1, kError}}));
}

TEST(EnvelopeFindings, BadValues) {  // qualifiers of at most three characters, numeric quantities and amounts
  EXPECT_EQ(found(lines({kUnb, kUnh, "NAD+BUYR+5412345000013::9'", "QTY+21:12A'", "MOA+79:12,50'", "PRI+AAA:abc'",
                         "DTM+137:20261127:1020'", "UNT+7+1'", kUnz})),
            (std::vector<Found>{{"bad-value", 3, 1, kError},
                                {"bad-value", 4, 1, kError},
                                {"bad-value", 6, 1, kError},
                                {"bad-value", 7, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, "UNS+X'", "UNT+3+1'", kUnz})), (std::vector<Found>{{"bad-value", 3, 1, kError}}));
  // Values are read unescaped and with the UNA's decimal mark.
  EXPECT_EQ(found("UNA:+,? '" + lines({kUnb, kUnh, "MOA+79:-1249,5'", "FTX+AAI+++Q?+A'", "UNT+4+1'", kUnz})),
            std::vector<Found>{});
}

TEST(EnvelopeFindings, SegmentOrder) {  // one UNS+S per message
  EXPECT_EQ(found(lines({kUnb, kUnh, "UNS+D'", "UNS+S'", "UNS+S'", "UNT+5+1'", kUnz})),
            (std::vector<Found>{{"segment-order", 5, 1, kError}}));
}

TEST(EnvelopeFindings, NonstandardUnb) {  // date and time as two elements: the reference is element 6
  EXPECT_EQ(found(lines({"UNB+ANSI:1+6XPPC+LHPPC+261127+1015+ICR77'", kUnh, kBgm, kUnt, "UNZ+1+ICR77'"})),
            (std::vector<Found>{{"nonstandard-unb", 1, 1, kWarning}}));
}

TEST(EnvelopeFindings, Empty) {  // no segments at all
  EXPECT_EQ(found(""), (std::vector<Found>{{"empty", 1, 1, kError}}));
  EXPECT_EQ(found("\r\n\n"), (std::vector<Found>{{"empty", 3, 1, kError}}));
}

TEST(EnvelopeFindings, UnterminatedSegment) {  // at the first byte of the cut segment
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt}) + "UNZ+1+IC"),
            (std::vector<Found>{{"unterminated-segment", 5, 1, kError}, {"missing-unz", 5, 1, kError}}));
}

TEST(EnvelopeFindings, ReleaseAtEnd) {  // at the release character
  EXPECT_EQ(found(lines({kUnb, kUnh}) + "FTX+AAI+++50?"),
            (std::vector<Found>{{"release-at-end", 3, 13, kError},
                                {"missing-unt", 3, 13, kError},
                                {"missing-unz", 3, 13, kError}}));
}

TEST(EnvelopeFindings, TruncatedAndInvalidUna) {  // at the UNA
  EXPECT_EQ(found("\r\nUNA:+."), (std::vector<Found>{{"truncated-una", 2, 1, kError}}));
  EXPECT_EQ(found(lines({kUnb, kUnh, kBgm, kUnt, kUnz}) + "UNA::.? '" + std::string(kUnb)),
            (std::vector<Found>{{"invalid-una", 6, 1, kError}}));
}

// The checker fed by a StreamReader (as `edi validate` does) reports segment_too_long at the segment.
TEST(EnvelopeFindings, SegmentTooLong) {
  const std::string input = lines({kUnb, kUnh, "FTX+AAI+++" + std::string(10'000, 'x') + "'", kUnt, kUnz});
  MemorySource source(input, 1000);
  StreamReader reader(source, {.chunk_size = 4096, .max_segment_size = 8192});
  EnvelopeChecker checker;
  RawSegment seg;
  Errc rc;
  const auto locate = [&](std::size_t offset) { return reader.locate(offset); };
  while ((rc = reader.next(seg)) == Errc::ok) checker.on_segment(seg, locate);
  ASSERT_EQ(rc, Errc::segment_too_long);
  checker.finish(rc, reader.locate(reader.error_offset()));
  EXPECT_EQ(found(checker.findings()),
            (std::vector<Found>{{"segment-too-long", 3, 1, kError},
                                {"missing-unt", 3, 1, kError},
                                {"missing-unz", 3, 1, kError}}));
}

// A finding never stops the check: later messages are listed, later errors reported, counts complete.
TEST(Envelope, FindingsContinueAfterErrors) {
  const Structure s = analyze(lines({kUnb, kUnh, "QTY+21:x'", "UNT+9+1'",                // unt-count, bad-value
                                     "UNH+2+INVOIC:D:96A:UN'", "BGM+380+INV1+9'",           // missing-unt
                                     "UNH+3+DESADV:D:96A:UN'", kBgm, "UNT+3+3'", "UNZ+3+IC9'",  // unz-reference
                                     kUnb, "UNH+4+IFTSTA:D:00B:UN'", kBgm, "UNT+3+4'", kUnz}));
  EXPECT_EQ(found(s), (std::vector<Found>{{"bad-value", 3, 1, kError},
                                          {"unt-count", 4, 1, kError},
                                          {"missing-unt", 7, 1, kError},
                                          {"unz-reference", 10, 1, kError}}));
  EXPECT_EQ(s.errors, 4u);
  EXPECT_EQ(s.counts.interchanges, 2u);
  EXPECT_EQ(s.counts.messages, 4u);
  EXPECT_EQ(s.counts.segments, 15u);
  ASSERT_EQ(s.messages.size(), 4u);
  EXPECT_EQ(s.messages[1].type, "INVOIC");
  EXPECT_FALSE(s.messages[1].complete);
  EXPECT_EQ(s.messages[1].segments, 2u);
  EXPECT_EQ(s.messages[3].type, "IFTSTA");
  EXPECT_EQ(s.messages[3].interchange, 1u);
  EXPECT_TRUE(s.messages[3].complete);
}

// Re-tokenizing a message's byte range with its characters gives exactly its segments: UNH first,
// UNT last (when complete), the same texts and offsets as in the whole input.
void expect_ranges_retokenize(const std::string& input) {
  const TokenRun all = tokenize_all(input);
  const Structure s = analyze(input);
  for (const MessageInfo& m : s.messages) {
    SCOPED_TRACE(testing::Message() << "message " << m.reference << " at " << m.begin);
    ASSERT_LE(m.begin, m.end);
    ASSERT_LE(m.end, input.size());
    const std::string_view range = std::string_view(input).substr(m.begin, m.end - m.begin);
    Tokenizer tok(range, TokenizerState{.chars = m.chars, .una_seen = true, .at_start = false}, m.begin);
    const TokenRun part = drain(tok, range.size());
    ASSERT_EQ(part.result, Errc::end_of_input);
    std::vector<TokenRecord> expected;
    for (const TokenRecord& r : all.segments) {
      if (r.offset >= m.begin && r.offset < m.end) expected.push_back(r);
    }
    EXPECT_EQ(part.segments, expected);
    ASSERT_EQ(part.segments.size(), m.segments);
    EXPECT_EQ(part.segments.front().tag, "UNH");
    if (m.complete) {
      EXPECT_EQ(part.segments.back().tag, "UNT");
    }
  }
}

// A message's byte range re-tokenizes to exactly its segments: every sample, generated input.
TEST(Envelope, MessageRangesRetokenizeToTheirSegments) {
  std::size_t messages = 0;
  for (const Sample& s : sample_files()) {
    SCOPED_TRACE(s.name);
    expect_ranges_retokenize(s.bytes);
    messages += split_messages(s.bytes).size();
  }
  EXPECT_GT(messages, 40u);
  expect_ranges_retokenize(generated({.seed = 31, .messages = 40, .syntax = 4, .groups = true}));
  expect_ranges_retokenize(generated({.seed = 32, .messages = 40, .layout = Layout::crlf}));
}

// split_messages finds every generated message, with the generator's segment counts.
TEST(Envelope, SplitMessagesMatchesGeneratedSummary) {
  const GeneratorOptions variants[] = {
      {.seed = 41, .messages = 120},
      {.seed = 42, .messages = 120, .syntax = 4, .layout = Layout::one_line},
      {.seed = 43, .messages = 120, .layout = Layout::crlf, .messages_per_interchange = 7},
      {.seed = 44, .messages = 120, .syntax = 4, .messages_per_interchange = 25, .groups = true},
      {.seed = 45, .messages = 120, .messages_per_interchange = 30, .duplicate_rate = 0.3},
  };
  for (const GeneratorOptions& options : variants) {
    SCOPED_TRACE(options.seed);
    std::string text;
    const GeneratedSummary summary = generate(options, [&](std::string_view piece) { text.append(piece); });
    const std::vector<MessageInfo> messages = split_messages(text);
    ASSERT_EQ(messages.size(), summary.messages);
    std::size_t segments = 0;
    std::set<std::string> types;
    for (const MessageInfo& m : messages) {
      EXPECT_TRUE(m.complete);
      segments += m.segments;
      types.insert(m.type);
      EXPECT_EQ(m.chars, ServiceChars::defaults(options.syntax));
    }
    const std::size_t envelope = summary.interchanges * (options.groups ? 4 : 2);
    EXPECT_EQ(segments + envelope, summary.segments);
    EXPECT_EQ(messages.back().interchange + 1, summary.interchanges);
    EXPECT_EQ(types, (std::set<std::string>{"DESADV", "IFTSTA", "INVOIC", "ORDERS"}));
  }
}

// The checker fed by a StreamReader in small reads reports what analyze() reports, at the same places.
TEST(Envelope, StreamedCheckMatchesAnalyze) {
  for (const Sample& s : sample_files()) {
    SCOPED_TRACE(s.name);
    const Structure expected = analyze(s.bytes);
    for (const std::size_t max_read : {1u, 7u, 64u}) {
      MemorySource source(s.bytes, max_read);
      StreamReader reader(source);
      EnvelopeChecker checker;
      RawSegment seg;
      Errc rc;
      const auto locate = [&](std::size_t offset) { return reader.locate(offset); };
      while ((rc = reader.next(seg)) == Errc::ok) checker.on_segment(seg, locate);
      checker.on_leading_junk(reader.state().leading_junk);
      checker.finish(rc, reader.locate(rc == Errc::end_of_input ? reader.bytes_read() : reader.error_offset()));
      ASSERT_EQ(checker.findings().size(), expected.findings.size());
      for (std::size_t i = 0; i < expected.findings.size(); ++i) {
        EXPECT_EQ(checker.findings()[i].code, expected.findings[i].code);
        EXPECT_EQ(checker.findings()[i].position, expected.findings[i].position);
        EXPECT_EQ(checker.findings()[i].message, expected.findings[i].message);
      }
    }
  }
}

}  // namespace
}  // namespace edi::test
