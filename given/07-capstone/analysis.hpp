// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
//
// What happens to one message (MessageAnalyzer, on any worker) and how the results add up to a
// Report (ReportBuilder, in message order):
//
//   edi::capstone::MessageAnalyzer analyzer(partner_cache);   // one per worker thread
//   edi::capstone::MessageResult r = analyzer.analyze(message);
//   r.type;          // "INVOIC"
//   r.problems;      // e.g. a UNT whose count is wrong
//   r.content;       // content_hash(message.text()): the DedupCache key
//
//   edi::capstone::ReportBuilder builder(1000);
//   // for every message, in sequence order (0, 1, 2, ...):
//   if (r.deduplicable && dedup.seen_before(r.content)) builder.add_duplicate(r);
//   else builder.add(std::move(r));
//   edi::capstone::Report report = builder.finish(splitter.take_summary());
//
// The analysis is lazy: it tokenizes the message in place (zero-copy views into the message's
// buffer) and parses only the segments it reads (UNH, NAD, MOA, UNT) into one reused
// edi::Segment, so a warm analyzer allocates only for its result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "caches.hpp"
#include "edi/amount.hpp"
#include "edi/segment.hpp"
#include "master_data.hpp"
#include "message.hpp"
#include "report.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// A partner named by a message: a valid GLN and its record (nullptr when not in the master data).
struct PartyRef {
  std::string gln;
  PartnerPtr partner;
};

// Everything the report needs from one message.
struct MessageResult {
  std::uint64_t sequence = 0;
  std::uint64_t offset = 0;
  std::string type;                // UNH element 2, component 1; "" when it has none
  std::string reference;           // UNH element 1
  ContentHash content;             // of message.text()
  bool deduplicable = false;       // may be looked up in the DedupCache: analysed, and not too long
  bool failed = false;             // processing threw (see failure())
  Amount invoice_amount;           // MOA+77 in this message
  Amount line_total;               // MOA+79
  PartyRef sender;                 // the interchange's sender (gln empty when it is not a GLN)
  PartyRef recipient;
  std::vector<PartyRef> parties;   // NAD party identifiers with code list 9, in order
  std::vector<Problem> problems;   // in input order

  bool has_errors() const noexcept;

  // The result of a message whose processing threw `what`: a processing-failed problem at its
  // offset, nothing else (it is counted in Report::failed, never deduplicated).
  [[nodiscard]] static MessageResult failure(const Message& message, std::string_view what);
};

// Validates and reads one message: UNT count and reference, a UNT at all (missing-unt), the size
// limit (message-too-long), every MOA amount (bad-amount), every NAD party GLN (bad-gln); sums
// MOA+77 and MOA+79; looks up the sender, the recipient and the NAD parties in the PartnerCache.
//
// Thread-compatible: one analyzer per worker (it owns scratch buffers); analyzers on different
// threads may share the PartnerCache, which is thread-safe.
class MessageAnalyzer {
 public:
  explicit MessageAnalyzer(PartnerCache& partners) : partners_(partners) {}
  [[nodiscard]] MessageResult analyze(const Message& message);

 private:
  PartnerCache& partners_;
  Segment segment_;  // reused for every parsed segment: its buffers are kept
};

// Adds results up into a Report. The order of the calls is the order of Report::problems and,
// with a DedupCache, decides which copy of a retransmitted message counts: call it in message
// sequence order and the report is the same however the messages were processed.
//
// Thread-compatible.
class ReportBuilder {
 public:
  // Keeps the first `max_problems` problems (all are counted).
  explicit ReportBuilder(std::size_t max_problems) : max_problems_(max_problems) {}

  // A message seen for the first time (or one that failed): accepted when it has no error,
  // rejected otherwise (its problems are reported either way).
  void add(MessageResult&& result);
  // A retransmission: counted under its type, nothing else (its problems were reported with the
  // first copy).
  void add_duplicate(const MessageResult& result);
  // Messages added so far.
  std::uint64_t messages() const noexcept { return report_.messages; }

  // The report: these results, and the envelope's counts and problems (merged in input order:
  // by offset, the envelope's first at equal offsets; then the first max_problems are kept).
  [[nodiscard]] Report finish(EnvelopeSummary&& envelope);

 private:
  PartnerSummary& partner(const PartyRef& party);

  std::size_t max_problems_;
  Report report_;
  // Partners while adding up: a hash map (one lookup per party of every message, under the
  // merger's lock), sorted into report_.partners by finish().
  std::unordered_map<std::string, PartnerSummary> partners_;
};

}  // namespace EDI_IMPL
}  // namespace edi::capstone
