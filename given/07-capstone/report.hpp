// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
//
// The pipeline's output: one Report per input, which must be the same whatever the number of
// workers. Everything in it is exact (edi::Amount is fixed-point) and in a fixed order (maps sorted
// by key, problems in input order), so two reports compare with ==.
//
//   edi::capstone::Report report = pipeline.run(source);
//   report.types["INVOIC"].accepted;            // unique invoices without errors
//   edi::to_string(report.types["INVOIC"].invoice_amount);   // "123456.78": their MOA+77 total
//   report.partners["4000000000009"].sent;      // accepted messages this GLN sent (UNB sender)
//   std::cout << edi::capstone::format(report); // the summary the driver prints
//
// Thread-compatible (plain values).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "edi/amount.hpp"
#include "edi/envelope.hpp"
#include "edi/error.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

// One thing wrong with the input, at a byte offset (there are no line numbers: workers see one
// message, not the lines before it). The codes are listed in lessons/07-capstone/README.md.
struct Problem {
  std::uint64_t offset = 0;
  Severity severity = Severity::error;
  std::string code;   // "unt-count", "bad-amount", ...
  std::string text;   // a plain sentence
  friend bool operator==(const Problem&, const Problem&) = default;
};

// "offset 1234: error: UNT declares 21 segments; the message has 18 [unt-count]"
std::string format(const Problem& problem);

// Per message type (the first component of UNH element 2: "ORDERS", "INVOIC", ...).
struct TypeSummary {
  std::uint64_t accepted = 0;    // unique messages without errors: only these are summed
  std::uint64_t rejected = 0;    // unique messages with at least one error
  std::uint64_t duplicates = 0;  // retransmissions: byte-for-byte copies of a message seen before
  Amount invoice_amount;         // MOA+77 (invoice amount), summed over accepted messages
  Amount line_total;             // MOA+79 (total line items amount), summed over accepted messages
  friend bool operator==(const TypeSummary&, const TypeSummary&) = default;
};

// Per trading partner (a valid GLN), over accepted messages.
struct PartnerSummary {
  bool known = false;            // in the master data; then name, city and country are set
  std::string name;
  std::string city;
  std::string country;
  std::uint64_t sent = 0;        // messages whose interchange this GLN sent (UNB sender, qualifier 14)
  std::uint64_t received = 0;    // messages whose interchange it received (UNB recipient)
  std::uint64_t named = 0;       // NAD segments naming it (code list 9)
  friend bool operator==(const PartnerSummary&, const PartnerSummary&) = default;
};

struct Report {
  std::uint64_t bytes = 0;          // bytes read: the whole input, or up to an input error
  std::uint64_t interchanges = 0;   // UNB segments
  std::uint64_t segments = 0;       // every segment, the UNA excluded
  std::uint64_t messages = 0;       // UNH..UNT units handed to the workers
  std::uint64_t accepted = 0;       // = the sums over types; accepted + rejected + duplicates + failed == messages
  std::uint64_t rejected = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t failed = 0;         // messages whose processing threw (code processing-failed)
  std::map<std::string, TypeSummary, std::less<>> types;
  std::map<std::string, PartnerSummary, std::less<>> partners;  // by GLN
  std::uint64_t errors = 0;         // every problem found, also those beyond `problems`
  std::uint64_t warnings = 0;
  std::vector<Problem> problems;    // the first Options::max_problems, in input order
  Errc input = Errc::end_of_input;  // how reading ended: end_of_input, or the reader's error
  friend bool operator==(const Report&, const Report&) = default;
};

// The summary as text: totals, one line per message type, the `top_partners` busiest partners
// and the first `shown_problems` problems. Deterministic: equal reports print equal text.
std::string format(const Report& report, std::size_t top_partners = 10, std::size_t shown_problems = 20);

}  // namespace EDI_IMPL
}  // namespace edi::capstone
