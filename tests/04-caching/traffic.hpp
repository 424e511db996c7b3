// The key streams of generated EDIFACT traffic, for the benchmarks, the profiling workload and
// the hit-ratio chart of lesson 04: what a cache in front of master data would be asked, in order.
//
//   const edi::caching::test::Traffic t = edi::caching::test::traffic(20'000, 42);
//   t.partners;   // the GLN of every NAD party: 200 partners, skewed popularity
//   t.products;   // the GTIN of every LIN line item: 5,000 products, skewed popularity
//   t.messages;   // message_key() of every message; retransmissions repeat a key
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edi/edi.hpp"
#include "store.hpp"

namespace edi::caching::test {

struct Traffic {
  std::vector<std::string> partners;
  std::vector<std::string> products;
  std::vector<std::string> messages;
  std::size_t bytes = 0;
  std::size_t duplicates = 0;  // retransmissions the generator wrote
};

inline Traffic traffic(std::size_t messages, std::uint64_t seed, double duplicate_rate = 0.0) {
  edi::GeneratorOptions options;
  options.seed = seed;
  options.messages = messages;
  options.duplicate_rate = duplicate_rate;
  std::string text;
  const edi::GeneratedSummary summary = edi::generate(options, [&](std::string_view piece) { text.append(piece); });
  Traffic out;
  out.bytes = text.size();
  out.duplicates = summary.duplicates;
  edi::Tokenizer tokenizer(text);
  edi::RawSegment raw;
  edi::Segment segment;
  while (tokenizer.next(raw) == edi::Errc::ok) {
    if (raw.tag == "NAD") {
      edi::parse_segment(raw, segment);
      out.partners.emplace_back(segment.component(1, 0));
    } else if (raw.tag == "LIN") {
      edi::parse_segment(raw, segment);
      out.products.emplace_back(segment.component(2, 0));
    }
  }
  for (const edi::MessageInfo& m : edi::split_messages(text)) {
    out.messages.push_back(message_key(std::string_view(text).substr(m.begin, m.end - m.begin)));
  }
  return out;
}

}  // namespace edi::caching::test
