#include "edi/envelope.hpp"

#include <algorithm>
#include <charconv>

namespace edi {
namespace {

std::string without_line_breaks(std::string_view v, bool& had) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\r' || c == '\n') {
      had = true;
    } else {
      out += c;
    }
  }
  return out;
}

// A value in a message, between single quotes. Control bytes (a NUL or tab inside a tag, say) are
// written \xNN, so that a message is one line of printable text whatever the input holds.
std::string quoted(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size() + 2);
  out += '\'';
  for (const char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string line_of(const Position& p) { return "line " + std::to_string(p.line); }

// Data element rules for common segments, the same in every directory since D.93A: code
// qualifiers are an..3, quantities and amounts numeric. Checking these catches the data errors
// seen in real files (a four-letter qualifier, "1020A" as a quantity) without a full directory.
struct ElementRule {
  std::string_view tag;
  std::size_t element;
  std::size_t component;
  bool numeric;          // else: a code of at most three characters
  std::string_view name;
};
constexpr ElementRule kRules[] = {
    {"BGM", 0, 0, false, "document name code"},   {"CNT", 0, 0, false, "control qualifier"},
    {"CNT", 0, 1, true, "control value"},         {"CUX", 0, 0, false, "currency usage qualifier"},
    {"CUX", 0, 1, false, "currency code"},        {"DTM", 0, 0, false, "date/time qualifier"},
    {"DTM", 0, 2, false, "date/time format"},     {"MOA", 0, 0, false, "amount qualifier"},
    {"MOA", 0, 1, true, "monetary amount"},       {"NAD", 0, 0, false, "party qualifier"},
    {"PRI", 0, 0, false, "price qualifier"},      {"PRI", 0, 1, true, "price"},
    {"QTY", 0, 0, false, "quantity qualifier"},   {"QTY", 0, 1, true, "quantity"},
    {"RFF", 0, 0, false, "reference qualifier"},  {"TAX", 0, 0, false, "duty/tax/fee function qualifier"},
};

bool has_rules(std::string_view tag) {
  if (tag.size() != 3) return false;
  for (const auto& r : kRules) {
    if (r.tag == tag) return true;
  }
  return tag == "UNS";
}

// [-]digits[mark digits], with '.' or ',' (or the UNA's mark) as the decimal mark.
bool is_numeric(std::string_view v, char decimal) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  bool digit = false;
  bool mark = false;
  for (const char c : v) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if ((c == '.' || c == ',' || c == decimal) && !mark) {
      mark = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool is_envelope_tag(const Tag& tag) {
  const std::string_view t = tag.view();
  return t == "UNB" || t == "UNG" || t == "UNH" || t == "UNT" || t == "UNE" || t == "UNZ";
}

}  // namespace

std::string format(const Finding& f, std::string_view file) {
  return std::string(file) + ":" + std::to_string(f.position.line) + ":" + std::to_string(f.position.column) +
         (f.severity == Severity::error ? ": error: " : ": warning: ") + f.message + " [" + f.code + "]";
}

bool EnvelopeChecker::needs_position(const RawSegment& seg) const noexcept {
  const std::string_view t = seg.tag.view();
  const bool service = t.size() == 3 && t[0] == 'U' && t[1] == 'N';
  return service || !seg.tag.well_formed() || seg.tag.had_line_break() ||
         (!message_.open && !outside_reported_) || (message_.open && has_rules(t));
}

void EnvelopeChecker::add(Severity severity, std::string code, Position where, std::string message) {
  if (severity == Severity::error) ++errors_;
  findings_.push_back(Finding{severity, std::move(code), where, std::move(message)});
}

// Element `element` (0-based, after the tag), component `component`, line breaks removed: in
// envelope values and codes they can only come from hard wrapping, which is reported once.
std::string EnvelopeChecker::value(std::size_t element, std::size_t component) {
  bool had = false;
  std::string v = without_line_breaks(parsed_.component(element, component), had);
  if (had && !wrapped_reported_) {
    wrapped_reported_ = true;
    add(Severity::warning, "hard-wrapped", where_,
        "line break inside envelope value " + quoted(v) + " of " + std::string(parsed_.tag()) +
            ": the file looks hard-wrapped; envelope values are read without line breaks");
  }
  return v;
}

void EnvelopeChecker::on_leading_junk(std::size_t bytes) {
  if (bytes == 0) return;
  add(Severity::error, "leading-junk", Position{0, 1, 1},
      std::to_string(bytes) + " bytes before the first UNA/UNB segment are not EDIFACT and were skipped: "
      "expected the input to start with UNA, UNB or a segment tag");
}

void EnvelopeChecker::check_count(std::string_view code, std::string_view tag, std::size_t expected,
                                  const Open& opened, Position where) {
  const std::string declared = value(0);
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(declared.data(), declared.data() + declared.size(), n);
  // UNT counts segments of the message, UNE messages of the group, UNZ groups or messages.
  const std::string_view noun = code == "unt-count"   ? "segments"
                                : code == "une-count" ? "messages"
                                : interchange_groups_ > 0 ? "groups"
                                                          : "messages";
  const std::string_view holder = code == "unt-count" ? "message" : code == "une-count" ? "group" : "interchange";
  const std::string_view opener = code == "unt-count" ? "UNH" : code == "une-count" ? "UNG" : "UNB";
  const std::string context = " (" + std::string(opener) + " at " + line_of(opened.where) + ")";
  if (declared.empty() || ec != std::errc() || end != declared.data() + declared.size()) {
    add(Severity::error, std::string(code), where,
        std::string(tag) + " count " + quoted(declared) + " is not a number: expected " + std::to_string(expected) +
            ", the number of " + std::string(noun) + " in the " + std::string(holder) + context);
  } else if (n != expected) {
    add(Severity::error, std::string(code), where,
        std::string(tag) + " declares " + declared + " " + std::string(noun) + "; the " + std::string(holder) + " has " +
            std::to_string(expected) + context);
  }
}

void EnvelopeChecker::check_reference(std::string_view code, std::string_view tag, const Open& opened,
                                      Position where) {
  const std::string ref = value(1);
  if (ref != opened.reference) {
    add(Severity::error, std::string(code), where,
        std::string(tag) + " reference " + quoted(ref) + " does not match " + quoted(opened.reference) + " of " +
            line_of(opened.where));
  }
}

// Reports what is still open when `before` (a tag, or "the end of input") arrives.
void EnvelopeChecker::close_open(std::string_view before, Position where) {
  if (message_.open) {
    add(Severity::error, "missing-unt", where,
        "message " + quoted(message_.reference) + " (UNH at " + line_of(message_.where) + ") has no UNT: expected UNT before " +
            std::string(before));
    current_.end = where.offset;
    current_.segments = message_.count;
    if (collect_messages_) messages_.push_back(std::move(current_));
    message_ = {};
  }
}

void EnvelopeChecker::check_data(const RawSegment& seg, Position where) {
  parse_segment(seg, parsed_);
  const std::string_view tag = parsed_.tag();
  if (tag == "UNS") {
    const std::string section = value(0, 0);
    if (section != "D" && section != "S") {
      add(Severity::error, "bad-value", where, "UNS section " + quoted(section) + ": expected 'D' or 'S'");
      return;
    } else if ((section == "D" ? sections_seen_ & 1U : sections_seen_ & 2U) != 0) {
      add(Severity::error, "segment-order", where,
          "second UNS+" + section + " in message " + quoted(message_.reference) + ": expected one");
    }
    sections_seen_ |= section == "D" ? 1U : 2U;
    return;
  }
  for (const auto& rule : kRules) {
    if (rule.tag != tag) continue;
    // Checked as a view into the parsed segment; only a value holding line breaks (hard-wrapped
    // files) is copied without them. Nothing is allocated for a value that is fine.
    std::string_view v = parsed_.component(rule.element, rule.component);
    std::string unwrapped;
    if (v.find_first_of("\r\n") != std::string_view::npos) {
      unwrapped = value(rule.element, rule.component);
      v = unwrapped;
    }
    if (v.empty()) continue;
    const bool bad_number = rule.numeric && !is_numeric(v, seg.chars.decimal);
    const bool bad_code = !rule.numeric && v.size() > 3;
    if (!bad_number && !bad_code) continue;
    const std::string at = std::string(tag) + " element " + std::to_string(rule.element + 1) + " component " +
                           std::to_string(rule.component + 1) + " (" + std::string(rule.name) + ") " + quoted(v);
    if (bad_number) {
      add(Severity::error, "bad-value", where, at + " is not a number: expected digits with an optional sign and decimal mark");
    } else {
      add(Severity::error, "bad-value", where, at + " has " + std::to_string(v.size()) + " characters: expected a code of at most 3");
    }
  }
}

void EnvelopeChecker::close_message(const RawSegment& unt, Position where) {
  ++message_.count;  // the UNT itself
  check_count("unt-count", "UNT", message_.count, message_, where);
  check_reference("unt-reference", "UNT", message_, where);
  current_.end = unt.offset + unt.text.size() + 1;
  current_.segments = message_.count;
  current_.complete = true;
  if (collect_messages_) messages_.push_back(std::move(current_));
  message_ = {};
}

void EnvelopeChecker::on_segment(const RawSegment& seg, Position where) {
  ++counts_.segments;
  where_ = where;
  const Tag& tag = seg.tag;
  if (!tag.well_formed()) {
    const std::string shown(tag.view());
    add(Severity::error, "odd-tag", where,
        "segment tag " + quoted(shown) + (tag.truncated() ? "..." : "") +
            " is not three upper-case letters or digits starting with a letter: expected a tag such as 'NAD'");
  } else if (tag.had_line_break() && !wrapped_reported_) {
    wrapped_reported_ = true;
    add(Severity::warning, "hard-wrapped", where,
        "line break inside segment tag " + quoted(tag.view()) +
            ": the file looks hard-wrapped; tags are read without line breaks");
  }

  if (!is_envelope_tag(tag)) {
    if (message_.open) {
      ++message_.count;
      if (has_rules(tag.view())) check_data(seg, where);
    } else if (!outside_reported_) {
      outside_reported_ = true;
      add(Severity::error, "outside-message", where,
          "segment " + quoted(tag.view()) + " is outside a message: expected UNH before it "
          "(further segments outside messages are not reported)");
    }
    return;
  }

  parse_segment(seg, parsed_);
  const std::string_view t = tag.view();
  if (t == "UNB") {
    close_open("UNB", where);
    if (group_.open) add(Severity::error, "missing-une", where, "group opened at " + line_of(group_.where) + " has no UNE: expected UNE before UNB");
    if (interchange_.open) add(Severity::error, "missing-unz", where, "interchange opened at " + line_of(interchange_.where) + " has no UNZ: expected UNZ before the next UNB");
    group_ = {};
    std::size_t reference_element = 4;
    if (parsed_.component_count(3) == 1 && parsed_.element_count() > 5 && parsed_.component(4, 0).size() == 4 &&
        std::all_of(parsed_.component(4, 0).begin(), parsed_.component(4, 0).end(), [](char c) { return c >= '0' && c <= '9'; })) {
      // "UNB+ANSI:1+A+B+180314+0902+1": date and time as two elements instead of one composite.
      reference_element = 5;
      add(Severity::warning, "nonstandard-unb", where,
          "UNB date and time are separate elements (" + quoted(parsed_.component(3, 0)) + ", " +
              quoted(parsed_.component(4, 0)) + "): the interchange reference is read from element 6");
    }
    interchange_ = Open{true, value(reference_element), where, 0};
    interchange_groups_ = 0;
    ++counts_.interchanges;
  } else if (t == "UNG") {
    close_open("UNG", where);
    if (!interchange_.open) add(Severity::error, "outside-interchange", where, "UNG outside an interchange: expected UNB before it");
    if (group_.open) add(Severity::error, "missing-une", where, "group opened at " + line_of(group_.where) + " has no UNE: expected UNE before the next UNG");
    group_ = Open{true, value(4), where, 0};
    ++interchange_groups_;
    ++counts_.groups;
  } else if (t == "UNH") {
    close_open("the next UNH", where);
    outside_reported_ = false;
    if (!interchange_.open) {
      add(Severity::warning, "outside-interchange", where, "message outside an interchange: expected UNB before UNH");
    } else if (interchange_groups_ > 0 && !group_.open) {
      add(Severity::error, "outside-group", where,
          "message outside a group in an interchange that has groups: expected UNG before UNH");
    }
    message_ = Open{true, value(0), where, 1};
    sections_seen_ = 0;
    current_ = MessageInfo{};
    current_.reference = message_.reference;
    current_.type = value(1, 0);
    current_.identifier = current_.type;
    for (std::size_t k = 1; k < parsed_.component_count(1); ++k) current_.identifier += ":" + value(1, k);
    current_.begin = seg.offset;
    current_.interchange = counts_.interchanges == 0 ? 0 : counts_.interchanges - 1;
    current_.chars = seg.chars;
    ++counts_.messages;
    ++group_.count;
    if (interchange_groups_ == 0) ++interchange_.count;
  } else if (t == "UNT") {
    if (!message_.open) {
      add(Severity::error, "unexpected-unt", where, "UNT without a message: expected UNH before it");
    } else {
      close_message(seg, where);
    }
  } else if (t == "UNE") {
    close_open("UNE", where);
    if (!group_.open) {
      add(Severity::error, "unexpected-une", where, "UNE without a group: expected UNG before it");
    } else {
      check_count("une-count", "UNE", group_.count, group_, where);
      check_reference("une-reference", "UNE", group_, where);
      group_ = {};
    }
  } else {  // UNZ
    close_open("UNZ", where);
    if (group_.open) add(Severity::error, "missing-une", where, "group opened at " + line_of(group_.where) + " has no UNE: expected UNE before UNZ");
    group_ = {};
    if (!interchange_.open) {
      add(Severity::error, "unexpected-unz", where, "UNZ without an interchange: expected UNB before it");
    } else {
      const std::size_t expected = interchange_groups_ > 0 ? interchange_groups_ : interchange_.count;
      check_count("unz-count", "UNZ", expected, interchange_, where);
      check_reference("unz-reference", "UNZ", interchange_, where);
      interchange_ = {};
    }
  }
}

void EnvelopeChecker::finish(Errc error, Position where) {
  if (error != Errc::end_of_input && error != Errc::ok) {
    const std::string_view code = error == Errc::unterminated_segment ? "unterminated-segment"
                                  : error == Errc::release_at_end     ? "release-at-end"
                                  : error == Errc::truncated_una      ? "truncated-una"
                                  : error == Errc::invalid_una        ? "invalid-una"
                                                                      : "segment-too-long";
    add(Severity::error, std::string(code), where, std::string(describe(error)));
  }
  close_open("the end of input", where);
  if (group_.open) add(Severity::error, "missing-une", where, "group opened at " + line_of(group_.where) + " has no UNE: expected UNE before the end of input");
  if (interchange_.open) add(Severity::error, "missing-unz", where, "interchange opened at " + line_of(interchange_.where) + " has no UNZ: expected UNZ before the end of input");
  if (counts_.segments == 0 && error == Errc::end_of_input) {
    add(Severity::error, "empty", where, "no segments: expected UNA, UNB or a segment");
  }
  group_ = interchange_ = {};
  // Findings from different passes (the hard-wrapped warning on a value) are put in input order.
  std::stable_sort(findings_.begin(), findings_.end(),
                   [](const Finding& a, const Finding& b) { return a.position.offset < b.position.offset; });
}

Structure analyze(std::string_view input) {
  Tokenizer tok(input);
  EnvelopeChecker checker(/*collect_messages=*/true);
  RawSegment seg;
  Errc rc;
  const auto locate = [&](std::size_t offset) { return tok.locate(offset); };
  while ((rc = tok.next(seg)) == Errc::ok) checker.on_segment(seg, locate);
  const std::size_t end = rc == Errc::end_of_input ? input.size() : tok.error_offset();
  checker.on_leading_junk(tok.leading_junk());
  checker.finish(rc, tok.locate(end));
  Structure s;
  s.counts = checker.counts();
  s.errors = checker.errors();
  s.findings = checker.take_findings();
  s.messages = checker.take_messages();
  s.result = rc;
  return s;
}

std::vector<MessageInfo> split_messages(std::string_view input) { return analyze(input).messages; }

}  // namespace edi
