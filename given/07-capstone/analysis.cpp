// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
#include "analysis.hpp"

#include <algorithm>
#include <charconv>

#include "edi/tokenizer.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

namespace {

using detail::clean;
using detail::quoted;

void add_error(MessageResult& r, std::uint64_t offset, const char* code, std::string text) {
  r.problems.push_back(Problem{offset, Severity::error, code, std::move(text)});
}

}  // namespace

bool MessageResult::has_errors() const noexcept {
  return std::any_of(problems.begin(), problems.end(), [](const Problem& p) { return p.severity == Severity::error; });
}

MessageResult MessageResult::failure(const Message& message, std::string_view what) {
  MessageResult r;
  r.sequence = message.sequence;
  r.offset = message.offset;
  r.failed = true;
  add_error(r, message.offset, "processing-failed", "processing failed: " + std::string(what));
  return r;
}

MessageResult MessageAnalyzer::analyze(const Message& message) {
  MessageResult r;
  r.sequence = message.sequence;
  r.offset = message.offset;

  TokenizerState state;
  state.chars = message.chars;
  state.una_seen = true;   // no UNB in a message may change the characters
  state.at_start = false;  // no byte order mark, no leading junk: the text starts with the UNH
  Tokenizer tok(message.text(), state, message.offset);
  RawSegment raw;
  const auto read_unh = [&] {  // the splitter starts every message with its UNH
    parse_segment(raw, segment_);
    r.reference = clean(segment_.component(0, 0));
    r.type = clean(segment_.component(1, 0));
  };
  if (message.too_long) {
    // Only the start of the message was kept: its UNH (when even that fits), nothing else.
    if (tok.next(raw) == Errc::ok) read_unh();
    add_error(r, message.offset, "message-too-long",
              "message " + quoted(r.reference) + " of " + std::to_string(message.size) +
                  " bytes is longer than the size limit: it was not analysed");
    return r;
  }

  std::uint64_t segments = 0;
  while (tok.next(raw) == Errc::ok) {
    ++segments;
    const std::string_view tag = raw.tag.view();
    if (segments == 1) {
      read_unh();
      if (!message.complete) add_error(r, message.offset, "missing-unt", "message " + quoted(r.reference) + " has no UNT");
    } else if (tag == "NAD") {
      parse_segment(raw, segment_);
      if (segment_.component(1, 2) == "9") {  // party identifier from code list 9: a GLN
        const std::string_view gln = segment_.component(1, 0);
        if (is_gln(gln)) {
          r.parties.push_back(PartyRef{std::string(gln), partners_.find(gln)});
        } else {
          add_error(r, raw.offset, "bad-gln",
                    "NAD party identifier " + quoted(gln) + " is not a GLN: expected 13 digits with a valid check digit");
        }
      }
    } else if (tag == "MOA") {
      parse_segment(raw, segment_);
      Amount amount;
      if (!parse_amount(segment_.component(0, 1), raw.chars.decimal, amount)) {
        add_error(r, raw.offset, "bad-amount",
                  "MOA amount " + quoted(segment_.component(0, 1)) + " is not a number with at most 4 decimals");
      } else if (segment_.component(0, 0) == "77") {
        r.invoice_amount += amount;
      } else if (segment_.component(0, 0) == "79") {
        r.line_total += amount;
      }
    } else if (tag == "UNT") {
      parse_segment(raw, segment_);
      const std::string declared = clean(segment_.component(0, 0));
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(declared.data(), declared.data() + declared.size(), n);
      if (declared.empty() || ec != std::errc() || end != declared.data() + declared.size()) {
        add_error(r, raw.offset, "unt-count",
                  "UNT count " + quoted(declared) + " is not a number: expected " + std::to_string(segments));
      } else if (n != segments) {
        add_error(r, raw.offset, "unt-count",
                  "UNT declares " + declared + " segments; the message has " + std::to_string(segments));
      }
      if (const std::string ref = clean(segment_.component(1, 0)); ref != r.reference) {
        add_error(r, raw.offset, "unt-reference",
                  "UNT reference " + quoted(ref) + " does not match UNH reference " + quoted(r.reference));
      }
    }
  }

  if (!message.sender.empty()) r.sender = PartyRef{message.sender, partners_.find(message.sender)};
  if (!message.recipient.empty()) r.recipient = PartyRef{message.recipient, partners_.find(message.recipient)};
  r.content = content_hash(message.text());
  r.deduplicable = true;
  return r;
}

PartnerSummary& ReportBuilder::partner(const PartyRef& party) {
  auto it = partners_.find(party.gln);
  if (it == partners_.end()) {
    PartnerSummary summary;
    if (party.partner != nullptr) {
      summary.known = true;
      summary.name = party.partner->name;
      summary.city = party.partner->city;
      summary.country = party.partner->country;
    }
    it = partners_.emplace(party.gln, std::move(summary)).first;
  }
  return it->second;
}

void ReportBuilder::add(MessageResult&& result) {
  ++report_.messages;
  for (Problem& p : result.problems) {
    (p.severity == Severity::error ? report_.errors : report_.warnings) += 1;
    if (report_.problems.size() < max_problems_) report_.problems.push_back(std::move(p));
  }
  if (result.failed) {
    ++report_.failed;
    return;
  }
  auto type = report_.types.find(result.type);
  if (type == report_.types.end()) type = report_.types.emplace(result.type, TypeSummary{}).first;
  TypeSummary& t = type->second;
  if (result.has_errors()) {
    ++report_.rejected;
    ++t.rejected;
    return;
  }
  ++report_.accepted;
  ++t.accepted;
  t.invoice_amount += result.invoice_amount;
  t.line_total += result.line_total;
  if (!result.sender.gln.empty()) ++partner(result.sender).sent;
  if (!result.recipient.gln.empty()) ++partner(result.recipient).received;
  for (const PartyRef& party : result.parties) ++partner(party).named;
}

void ReportBuilder::add_duplicate(const MessageResult& result) {
  ++report_.messages;
  ++report_.duplicates;
  auto type = report_.types.find(result.type);
  if (type == report_.types.end()) type = report_.types.emplace(result.type, TypeSummary{}).first;
  ++type->second.duplicates;
}

Report ReportBuilder::finish(EnvelopeSummary&& envelope) {
  Report report = std::move(report_);
  report_ = Report{};
  for (auto& [gln, summary] : partners_) report.partners.emplace(gln, std::move(summary));
  partners_.clear();
  report.bytes = envelope.bytes;
  report.interchanges = envelope.interchanges;
  report.segments = envelope.segments;
  report.errors += envelope.errors;
  report.warnings += envelope.warnings;
  report.input = envelope.input;
  // Both lists are in input order; merge them (the envelope's first at equal offsets), keep the first.
  std::vector<Problem> merged;
  merged.reserve(envelope.problems.size() + report.problems.size());
  std::merge(std::make_move_iterator(envelope.problems.begin()), std::make_move_iterator(envelope.problems.end()),
             std::make_move_iterator(report.problems.begin()), std::make_move_iterator(report.problems.end()),
             std::back_inserter(merged), [](const Problem& a, const Problem& b) { return a.offset < b.offset; });
  if (merged.size() > max_problems_) merged.resize(max_problems_);
  report.problems = std::move(merged);
  return report;
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
