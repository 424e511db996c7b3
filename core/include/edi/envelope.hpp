// The envelope: interchanges (UNB..UNZ), groups (UNG..UNE) and messages (UNH..UNT), the byte
// range of every message, and the findings of a structural check.
//
//   edi::Structure s = edi::analyze(input);
//   s.messages[0].type;        // "ORDERS"
//   s.messages[0].begin;       // offset of its UNH; input.substr(begin, end - begin) is the message
//   for (const auto& f : s.findings) std::cout << edi::format(f, "orders.edi") << '\n';
//   // orders.edi:12:1: error: UNT declares 21 segments; the message has 18 (UNH at line 3) [unt-count]
//
// Inside messages, the data elements of common segments are checked too (qualifiers are codes of
// at most three characters, quantities and amounts are numbers, one UNS per section).
//
// A finding never stops the check: counts, references and missing trailers are reported, and the
// rest of the input is still read. Only an input error of the tokenizer (a truncated final
// segment, a bad UNA) ends it, and it is a finding too.
//
// Thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "edi/error.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"

namespace edi {

enum class Severity : std::uint8_t { warning, error };

struct Finding {
  Severity severity = Severity::error;
  std::string code;      // stable identifier, e.g. "unt-count"; listed in docs/edifact.md
  Position position;     // where the offending segment starts
  std::string message;   // a plain sentence: what was found and what was expected
};

// "file:line:column: error: message [code]"
[[nodiscard]] std::string format(const Finding& finding, std::string_view file);

struct MessageInfo {
  std::string type;         // "ORDERS": UNH element 2, component 1
  std::string identifier;   // "ORDERS:D:96A:UN": the whole of UNH element 2
  std::string reference;    // UNH element 1
  std::size_t begin = 0;    // absolute offset of the UNH segment
  std::size_t end = 0;      // one past the UNT terminator (past the last segment when UNT is missing)
  std::size_t segments = 0; // UNH..UNT inclusive
  std::size_t interchange = 0;  // index of the enclosing interchange, in input order
  ServiceChars chars;       // the service characters in force: parse the range with these
  bool complete = false;    // closed by a UNT
};

struct EnvelopeCounts {
  std::size_t interchanges = 0;
  std::size_t groups = 0;
  std::size_t messages = 0;
  std::size_t segments = 0;  // UNA excluded
};

// The structural check, fed one segment at a time (from a Tokenizer or a StreamReader).
class EnvelopeChecker {
 public:
  // When `collect_messages` is true, `messages()` lists every message seen.
  explicit EnvelopeChecker(bool collect_messages = false) : collect_messages_(collect_messages) {}

  // `locate(offset)` gives the Position of an offset; it is called only for segments that need it
  // (envelope segments, odd tags), with non-decreasing offsets.
  template <class Locate>
  void on_segment(const RawSegment& seg, Locate&& locate) {
    const bool needs = needs_position(seg);
    on_segment(seg, needs ? locate(seg.offset) : Position{seg.offset, 0, 0});
  }
  // Reports the tokenizer's leading junk (call once, before the first segment or at the end).
  void on_leading_junk(std::size_t bytes);
  // Ends the input: reports unclosed messages, groups and interchanges, and `error` (an Errc from
  // the tokenizer other than end_of_input) at `where`.
  void finish(Errc error, Position where);

  const std::vector<Finding>& findings() const noexcept { return findings_; }
  [[nodiscard]] std::vector<Finding> take_findings() noexcept { return std::move(findings_); }
  const std::vector<MessageInfo>& messages() const noexcept { return messages_; }
  [[nodiscard]] std::vector<MessageInfo> take_messages() noexcept { return std::move(messages_); }
  const EnvelopeCounts& counts() const noexcept { return counts_; }
  std::size_t errors() const noexcept { return errors_; }

 private:
  struct Open {
    bool open = false;
    std::string reference;
    Position where;
    std::size_t count = 0;  // messages (group, interchange without groups) or segments (message)
  };

  bool needs_position(const RawSegment& seg) const noexcept;
  void on_segment(const RawSegment& seg, Position where);
  void add(Severity severity, std::string code, Position where, std::string message);
  std::string value(std::size_t element, std::size_t component = 0);
  void check_count(std::string_view code, std::string_view tag, std::size_t expected, const Open& opened,
                   Position where);
  void check_reference(std::string_view code, std::string_view tag, const Open& opened, Position where);
  void close_message(const RawSegment& unt, Position where);
  void check_data(const RawSegment& seg, Position where);
  void close_open(std::string_view before, Position where);

  bool collect_messages_;
  std::vector<Finding> findings_;
  std::vector<MessageInfo> messages_;
  EnvelopeCounts counts_;
  std::size_t errors_ = 0;
  Segment parsed_;          // the envelope segment being checked, parsed
  Position where_;          // and where it starts
  Open interchange_, group_, message_;
  std::size_t interchange_groups_ = 0;
  MessageInfo current_;
  unsigned sections_seen_ = 0;      // UNS+D (1) and UNS+S (2) seen in the open message
  bool outside_reported_ = false;  // a run of segments outside any message was reported
  bool wrapped_reported_ = false;  // the "hard-wrapped" warning is given once
};

struct Structure {
  std::vector<MessageInfo> messages;
  std::vector<Finding> findings;
  EnvelopeCounts counts;
  std::size_t errors = 0;   // findings of severity error
  Errc result = Errc::end_of_input;  // the tokenizer's last word
};

// Checks the whole input and lists its messages.
[[nodiscard]] Structure analyze(std::string_view input);

// The messages of `input`, each with its byte range and service characters: the unit of work the
// concurrency lessons spread over threads.
[[nodiscard]] std::vector<MessageInfo> split_messages(std::string_view input);

}  // namespace edi
