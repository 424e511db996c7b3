// The original pipeline of lesson 06, frozen (see original_report.hpp): a copy of
// exercises/06-profiling/report.cpp as the lesson ships it. Do not optimize it: it is the
// baseline every measurement of the lesson is taken against.
// With -O1 and AddressSanitizer, g++ 12 reports -Wmaybe-uninitialized inside libstdc++'s own
// <regex> code (a std::function in the regex compiler), which -Werror makes fatal. The frozen
// original includes <regex>; that one warning is turned off for this one file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "original_report.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "edi/tokenizer.hpp"

namespace edi::profiling {
namespace original {
namespace {

// A segment split into its values, unescaped: element -> repetition -> component.
struct ParsedSegment {
  std::string tag;
  std::vector<std::vector<std::vector<std::string>>> elements;
  char decimal = '.';

  // Repetition 1 of the element; "" when out of range. Indexes count from 0.
  std::string value(std::size_t element, std::size_t component) const {
    if (element >= elements.size() || component >= elements[element][0].size()) return "";
    return elements[element][0][component];
  }
};

// `c` as a regular expression that matches exactly that character.
std::string literal(char c) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return text;
}

// The regular expressions of one set of service characters.
struct Patterns {
  ServiceChars chars;
  std::regex element, repetition, component, release;
  bool has_release, has_repetition;

  explicit Patterns(const ServiceChars& c)
      : chars(c),
        element(piece_pattern(chars.element, chars)),
        repetition(piece_pattern(chars.has_repetition() ? chars.repetition : chars.element, chars)),
        component(piece_pattern(chars.component, chars)),
        release(chars.has_release() ? literal(chars.release) + "([\\s\\S])" : std::string("x")),
        has_release(chars.has_release()),
        has_repetition(chars.has_repetition()) {}

  // One value (escapes kept) and the separator after it, if any.
  static std::string piece_pattern(char separator, const ServiceChars& chars) {
    const std::string sep = literal(separator);
    if (!chars.has_release()) return "([^" + sep + "]*)(" + sep + ")?";
    const std::string rel = literal(chars.release);
    return "((?:" + rel + "[\\s\\S]|[^" + sep + rel + "])*)(" + sep + ")?";
  }
};

// The pieces of `text` between the separators `pattern` matches; released separators stay inside.
std::vector<std::string> split(const std::string& text, const std::regex& pattern) {
  std::vector<std::string> pieces;
  auto from = text.cbegin();
  while (true) {
    std::smatch m;
    std::regex_search(from, text.cend(), m, pattern, std::regex_constants::match_continuous);
    pieces.push_back(m[1].str());
    from = m[0].second;
    if (!m[2].matched) break;
  }
  if (from != text.cend()) pieces.back() += std::string(from, text.cend());  // a release at the very end
  return pieces;
}

ParsedSegment split_segment(const RawSegment& raw, const Patterns& patterns) {
  ParsedSegment seg;
  seg.tag = std::string(raw.tag.view());
  seg.decimal = raw.chars.decimal;
  if (raw.data.empty()) return seg;
  // data[0] is the separator that opens element 1.
  for (const std::string& element : split(std::string(raw.data.substr(1)), patterns.element)) {
    std::vector<std::vector<std::string>> repetitions;
    const std::vector<std::string> reps =
        patterns.has_repetition ? split(element, patterns.repetition) : std::vector<std::string>{element};
    for (const std::string& rep : reps) {
      std::vector<std::string> components;
      for (const std::string& c : split(rep, patterns.component)) {
        components.push_back(patterns.has_release ? std::regex_replace(c, patterns.release, "$1") : c);
      }
      repetitions.push_back(components);
    }
    seg.elements.push_back(repetitions);
  }
  return seg;
}

std::string or_dash(const std::string& value) { return value.empty() ? "-" : value; }

void add_amount(Amount& sum, const std::string& text, char decimal) {
  Amount a;
  if (parse_amount(text, decimal, a)) sum += a;
}

struct Interchange {
  std::string sender;
  std::string recipient;
};

// What the duplicate check remembers of a message.
struct MessageRecord {
  std::uint64_t number = 0;
  std::string sender;
  std::string type;
  std::string document;
};

struct RunState {
  RunSummary summary;
  std::map<std::string, std::uint64_t> types;
  std::vector<MessageRecord*> seen;
};

// Writes the report line of one message and counts it.
void report_message(std::vector<ParsedSegment> segments, const Interchange& interchange, bool complete,
                    RunState& state, std::ostream& out) {
  std::map<std::string, std::string> fields;  // "TAG+qualifier" -> value; the last one wins
  std::map<std::string, Amount> amounts;      // "TAG+qualifier" -> the last amount, or the sum
  std::string parties;
  std::uint64_t lines = 0;
  for (ParsedSegment seg : segments) {
    const std::string key = seg.tag + "+" + seg.value(0, 0);
    if (seg.tag == "UNH") {
      fields["ref"] = seg.value(0, 0);
      fields["type"] = seg.value(1, 0);
    } else if (seg.tag == "BGM") {
      fields["BGM"] = seg.value(1, 0);
    } else if (key == "DTM+137") {
      fields[key] = seg.value(0, 1);
    } else if (seg.tag == "NAD") {
      if (!parties.empty()) parties += ",";
      parties += seg.value(0, 0) + ":" + seg.value(1, 0);
    } else if (seg.tag == "LIN") {
      ++lines;
    } else if (seg.tag == "QTY") {
      add_amount(amounts["QTY"], seg.value(0, 1), seg.decimal);
    } else if (key == "MOA+203") {
      add_amount(amounts[key], seg.value(0, 1), seg.decimal);
    } else if (key == "MOA+77" || key == "MOA+79") {
      Amount a;
      if (parse_amount(seg.value(0, 1), seg.decimal, a)) amounts[key] = a;
    }
  }

  auto* record = new MessageRecord{state.summary.messages + 1, interchange.sender, fields["type"], fields["BGM"]};
  const MessageRecord* first = nullptr;
  for (const MessageRecord* earlier : state.seen) {
    if (earlier->sender == record->sender && earlier->type == record->type && earlier->document == record->document) {
      first = earlier;
      break;
    }
  }
  state.seen.push_back(record);

  std::string total = "-";
  Amount total_amount;
  if (amounts.count("MOA+77") > 0) {
    total_amount = amounts["MOA+77"];
    total = to_string(total_amount);
  } else if (amounts.count("MOA+79") > 0) {
    total_amount = amounts["MOA+79"];
    total = to_string(total_amount);
  }

  std::ostringstream line;
  line << record->number << ' ' << or_dash(fields["type"]) << " ref=" << or_dash(fields["ref"])
       << " doc=" << or_dash(fields["BGM"]) << " date=" << or_dash(fields["DTM+137"])
       << " from=" << or_dash(interchange.sender) << " to=" << or_dash(interchange.recipient)
       << " parties=" << or_dash(parties) << " lines=" << lines << " qty=" << to_string(amounts["QTY"])
       << " amount=" << to_string(amounts["MOA+203"]) << " total=" << total;
  if (first != nullptr) line << " duplicate-of=" << first->number;
  if (!complete) line << " incomplete";
  out << line.str() << std::endl;

  ++state.summary.messages;
  ++state.types[fields["type"]];
  if (first != nullptr) ++state.summary.duplicates;
  if (!complete) ++state.summary.incomplete;
  if (first == nullptr && fields["type"] == "INVOIC") state.summary.invoiced += total_amount;
}

}  // namespace

RunSummary ReportPipeline::run(std::string_view interchange, std::ostream& out) {
  RunState state;
  Interchange envelope;
  std::vector<ParsedSegment> message;
  bool open = false;
  std::unique_ptr<Patterns> patterns;  // for the service characters in force; a UNA may change them

  Tokenizer tok(interchange);
  RawSegment raw;
  Errc rc;
  while ((rc = tok.next(raw)) == Errc::ok) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++metrics_.segments;
      metrics_.bytes += raw.text.size();
    }
    if (!patterns || !(patterns->chars == raw.chars)) patterns = std::make_unique<Patterns>(raw.chars);
    const ParsedSegment seg = split_segment(raw, *patterns);
    ++state.summary.segments;
    if (seg.tag == "UNB" || seg.tag == "UNG" || seg.tag == "UNE" || seg.tag == "UNZ") {
      if (open) {
        report_message(message, envelope, false, state, out);
        open = false;
      }
      if (seg.tag == "UNB") {
        envelope.sender = seg.value(1, 0);
        envelope.recipient = seg.value(2, 0);
      }
    } else if (seg.tag == "UNH") {
      if (open) report_message(message, envelope, false, state, out);
      message.clear();
      message.push_back(seg);
      open = true;
    } else if (!open) {
      ++state.summary.outside;
    } else {
      message.push_back(seg);
      if (seg.tag == "UNT") {
        report_message(message, envelope, true, state, out);
        open = false;
      }
    }
  }
  if (open) report_message(message, envelope, false, state, out);

  if (rc != Errc::end_of_input) out << "error: " << describe(rc) << " at byte " << tok.error_offset() << std::endl;
  state.summary.result = rc;
  out << "summary: messages=" << state.summary.messages << " duplicates=" << state.summary.duplicates
      << " incomplete=" << state.summary.incomplete << " segments=" << state.summary.segments
      << " outside=" << state.summary.outside << " invoiced=" << to_string(state.summary.invoiced) << std::endl;
  out << "types:";
  if (state.types.empty()) out << " -";
  for (const auto& [type, count] : state.types) out << ' ' << type << '=' << count;
  out << std::endl;

  std::lock_guard<std::mutex> lock(mutex_);
  metrics_.messages += state.summary.messages;
  ++metrics_.runs;
  return state.summary;
}

Metrics ReportPipeline::metrics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return metrics_;
}

}  // namespace original
}  // namespace edi::profiling
