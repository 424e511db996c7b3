// Counting an input: what `edi stats` prints.
//
//   edi::FileSource file("orders.edi");
//   edi::StreamReader reader(file);
//   edi::Stats stats;
//   edi::Errc rc = edi::collect_stats(reader, stats);   // Errc::end_of_input when all was read
//   stats.messages;                   // 120
//   stats.message_types["ORDERS"];    // 42
//
// Definitions: `segments` excludes the UNA service string advice. `elements` counts data elements
// after the tag (a trailing empty element "DTM+'" counts, "DTM'" has none). `components` counts
// component values over all elements and repetitions (an element "A:B*C" has three). The counts
// come from the tokenizer's bit masks, so counting costs almost nothing beyond tokenizing.
//
// Memory is bounded whatever the input: `message_types` holds at most kMaxMessageTypes names of
// at most kMaxMessageTypeSize bytes. A UNH naming a longer type (ISO 9735 allows an..6) is
// counted in `long_message_types`, not by name; the messages of types first seen after
// kMaxMessageTypes distinct ones are counted together in `other_message_types`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "edi/error.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"

namespace edi {

struct Stats {
  static constexpr std::size_t kMaxMessageTypes = 1000;    // distinct types counted by name
  static constexpr std::size_t kMaxMessageTypeSize = 6;    // the syntax's an..6 (data element 0065)

  std::uint64_t bytes = 0;
  std::uint64_t interchanges = 0;
  std::uint64_t groups = 0;
  std::uint64_t messages = 0;
  std::map<std::string, std::uint64_t, std::less<>> message_types;  // "ORDERS" -> count
  std::uint64_t other_message_types = 0;  // messages of types past the first kMaxMessageTypes
  std::uint64_t long_message_types = 0;   // messages whose type is longer than kMaxMessageTypeSize
  std::uint64_t segments = 0;
  std::uint64_t elements = 0;
  std::uint64_t components = 0;
};

// The message type of a UNH segment: element 2, component 1 ("ORDERS"), line breaks removed.
[[nodiscard]] std::string message_type(const RawSegment& unh);
// The same, but at most `max_size` bytes of it: the cost stays bounded on a hostile input.
[[nodiscard]] std::string message_type(const RawSegment& unh, std::size_t max_size);

// Reads every segment of `source` (a Tokenizer or a StreamReader) into `stats`. Returns the
// source's last result: Errc::end_of_input, or the input error that stopped it. `bytes` is left
// to the caller (the file size).
template <class Source>
Errc collect_stats(Source& source, Stats& stats) {
  RawSegment seg;
  Errc rc;
  while ((rc = source.next(seg)) == Errc::ok) {
    ++stats.segments;
    const std::string_view tag = seg.tag.view();
    if (tag.size() != 3 || tag[0] != 'U' || tag[1] != 'N') continue;
    if (tag[2] == 'B') {
      ++stats.interchanges;
    } else if (tag[2] == 'G') {
      ++stats.groups;
    } else if (tag[2] == 'H') {
      ++stats.messages;
      // One byte more than the syntax allows tells a long type apart; short strings do not allocate.
      const std::string type = message_type(seg, Stats::kMaxMessageTypeSize + 1);
      if (type.size() > Stats::kMaxMessageTypeSize) {
        ++stats.long_message_types;
        continue;
      }
      const auto it = stats.message_types.find(type);
      if (it != stats.message_types.end()) {
        ++it->second;
      } else if (stats.message_types.size() < Stats::kMaxMessageTypes) {
        stats.message_types.emplace(type, 1);
      } else {
        ++stats.other_message_types;
      }
    }
  }
  stats.elements = source.state().element_separators;
  stats.components = source.state().component_values;
  return rc;
}

}  // namespace edi
