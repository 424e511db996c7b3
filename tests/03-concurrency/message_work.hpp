// The per-message work of lesson 03's benchmarks, workload and demo: what a real pipeline does
// with each message of an interchange, with the core. It is CPU-bound and needs nothing shared,
// which is what makes messages a good unit to spread over threads.
//
//   for (const edi::MessageInfo& m : edi::split_messages(text)) {
//     const std::string_view message = std::string_view(text).substr(m.begin, m.end - m.begin);
//     MessageSummary s = edi::concurrency::summarize(message, m.chars);
//     // s.type == "INVOIC", s.segments == 31, s.findings == 0, s.total == sum of its MOA amounts
//   }
//
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "edi/edi.hpp"

namespace edi::concurrency {

struct MessageSummary {
  std::string type;           // "ORDERS"
  std::size_t segments = 0;   // UNH..UNT
  std::size_t line_items = 0; // LIN segments
  std::size_t findings = 0;   // what the envelope and data check found
  Amount total;               // every MOA amount of the message, summed

  friend bool operator==(const MessageSummary&, const MessageSummary&) = default;
};

// Parses, validates and totals one message: tokenize, check (UNT count and reference, data
// elements), parse every segment, sum the amounts. `message` runs from UNH to UNT.
inline MessageSummary summarize(std::string_view message, const ServiceChars& chars) {
  MessageSummary summary;
  Tokenizer tok(message, TokenizerState{.chars = chars, .una_seen = true, .at_start = false});
  EnvelopeChecker checker;
  RawSegment raw;
  Segment segment;  // reused: parse_segment keeps its buffers
  Errc rc;
  while ((rc = tok.next(raw)) == Errc::ok) {
    checker.on_segment(raw, [&](std::size_t offset) { return tok.locate(offset); });
    parse_segment(raw, segment);
    ++summary.segments;
    if (raw.tag == "UNH") {
      summary.type = segment.component(1, 0);
    } else if (raw.tag == "LIN") {
      ++summary.line_items;
    } else if (raw.tag == "MOA") {
      Amount amount;
      if (parse_amount(segment.component(0, 1), chars.decimal, amount)) summary.total += amount;
    }
  }
  checker.finish(rc, tok.locate(message.size()));
  for (const Finding& finding : checker.findings()) {
    // A message cut out of its interchange has no UNB around it: that one is expected.
    if (finding.code != "outside-interchange") ++summary.findings;
  }
  return summary;
}

}  // namespace edi::concurrency
