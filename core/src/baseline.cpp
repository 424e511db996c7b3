#include "edi/baseline.hpp"

#include <utility>

namespace edi::baseline {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::vector<Segment> parse(std::string_view input) {
  std::vector<Segment> segments;
  ServiceChars chars = ServiceChars::defaults();
  bool una_seen = false;

  std::size_t i = 0;
  if (input.substr(0, 3) == "\xEF\xBB\xBF") i = 3;

  while (true) {
    while (i < input.size() && is_space(input[i])) ++i;
    if (i >= input.size()) break;
    if (input.substr(i, 3) == "UNA") {
      if (input.size() - i < 9) throw ParseError("truncated UNA", i);
      if (parse_una(input.substr(i, 9), chars) != Errc::ok) throw ParseError("invalid UNA", i);
      una_seen = true;
      i += 9;
      continue;
    }

    // One segment: characters up to the next unreleased terminator.
    const std::size_t start = i;
    Segment seg;
    std::string value;
    Components components;
    std::vector<Components> repetitions;
    bool in_tag = true;
    bool terminated = false;
    for (; i < input.size(); ++i) {
      const char c = input[i];
      if (chars.has_release() && c == chars.release) {
        if (++i == input.size()) throw ParseError("release character at end of input", i - 1);
        if (in_tag) {
          // A tag is kept as written, without line breaks (released, or releasing).
          if (c != '\r' && c != '\n') value += c;
          if (input[i] != '\r' && input[i] != '\n') value += input[i];
        } else {
          value += input[i];
        }
      } else if (c == chars.terminator) {
        terminated = true;
        ++i;
        break;
      } else if (in_tag && c == chars.element) {
        in_tag = false;
        seg.tag = value;
        value.clear();
      } else if (in_tag) {
        if (c != '\r' && c != '\n') value += c;  // line breaks inside a tag are not data
      } else if (c == chars.element) {
        components.push_back(std::move(value));
        repetitions.push_back(std::move(components));
        seg.elements.push_back(std::move(repetitions));
        value.clear();
        components.clear();
        repetitions.clear();
      } else if (c == chars.component) {
        components.push_back(std::move(value));
        value.clear();
      } else if (chars.has_repetition() && c == chars.repetition) {
        components.push_back(std::move(value));
        repetitions.push_back(std::move(components));
        value.clear();
        components.clear();
      } else {
        value += c;
      }
    }
    if (!terminated) throw ParseError("unterminated segment", start);
    if (in_tag) {
      seg.tag = value;
    } else {
      components.push_back(std::move(value));
      repetitions.push_back(std::move(components));
      seg.elements.push_back(std::move(repetitions));
    }
    // Syntax version 4 in UNB turns on the '*' repetition separator when no UNA said otherwise.
    if (!una_seen && seg.tag == "UNB" && !seg.elements.empty() && seg.elements[0][0].size() > 1) {
      const std::string& version = seg.elements[0][0][1];
      if (!version.empty() && version[0] >= '1' && version[0] <= '9') {
        chars.repetition = ServiceChars::defaults(version[0] - '0').repetition;
      }
    }
    segments.push_back(std::move(seg));
  }
  return segments;
}

Segment from_core(const edi::Segment& segment) {
  Segment out;
  out.tag = std::string(segment.tag());
  for (std::size_t e = 0; e < segment.element_count(); ++e) {
    std::vector<Components> repetitions;
    for (std::size_t r = 0; r < segment.repetition_count(e); ++r) {
      Components components;
      for (std::size_t k = 0; k < segment.component_count(e, r); ++k) {
        components.emplace_back(segment.component(e, k, r));
      }
      repetitions.push_back(std::move(components));
    }
    out.elements.push_back(std::move(repetitions));
  }
  return out;
}

}  // namespace edi::baseline
