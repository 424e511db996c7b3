// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace edi::capstone {
inline namespace EDI_IMPL {

namespace {

std::string padded(std::string_view text, std::size_t width, bool right = false) {
  std::string out;
  const std::size_t fill = text.size() < width ? width - text.size() : 0;
  if (right) out.append(fill, ' ');
  out.append(text);
  if (!right) out.append(fill, ' ');
  return out;
}

std::string number(std::uint64_t n, std::size_t width) { return padded(std::to_string(n), width, true); }

}  // namespace

std::string format(const Problem& problem) {
  return "offset " + std::to_string(problem.offset) + (problem.severity == Severity::error ? ": error: " : ": warning: ") +
         problem.text + " [" + problem.code + "]";
}

std::string format(const Report& report, std::size_t top_partners, std::size_t shown_problems) {
  std::string out = "EDIFACT pipeline report\n";
  out += "  bytes         " + std::to_string(report.bytes) +
         (report.input == Errc::end_of_input ? " (read to the end)\n"
                                             : " (reading stopped: " + std::string(describe(report.input)) + ")\n");
  out += "  interchanges  " + std::to_string(report.interchanges) + "\n";
  out += "  segments      " + std::to_string(report.segments) + "\n";
  out += "  messages      " + std::to_string(report.messages) + ": " + std::to_string(report.accepted) + " accepted, " +
         std::to_string(report.rejected) + " rejected, " + std::to_string(report.duplicates) + " duplicates, " +
         std::to_string(report.failed) + " failed\n";

  out += "  type      accepted  rejected  duplicates   invoice amount (MOA+77)   line items (MOA+79)\n";
  for (const auto& [type, t] : report.types) {
    out += "  " + padded(type.empty() ? "?" : type, 8) + number(t.accepted, 10) + number(t.rejected, 10) +
           number(t.duplicates, 12) + padded(to_string(t.invoice_amount), 26, true) +
           padded(to_string(t.line_total), 22, true) + "\n";
  }

  std::size_t known = 0;
  std::vector<const std::pair<const std::string, PartnerSummary>*> busiest;
  for (const auto& entry : report.partners) {
    known += entry.second.known ? 1 : 0;
    busiest.push_back(&entry);
  }
  const auto traffic = [](const PartnerSummary& p) { return p.sent + p.received + p.named; };
  std::stable_sort(busiest.begin(), busiest.end(),
                   [&](const auto* a, const auto* b) { return traffic(a->second) > traffic(b->second); });
  out += "  partners      " + std::to_string(report.partners.size()) + " (" + std::to_string(known) + " known, " +
         std::to_string(report.partners.size() - known) + " not in the master data)";
  if (!busiest.empty() && top_partners > 0) out += "; the busiest:";
  out += "\n";
  for (std::size_t i = 0; i < busiest.size() && i < top_partners; ++i) {
    const auto& [gln, p] = *busiest[i];
    const std::string who = p.known ? p.name + ", " + p.city + " " + p.country : "(unknown)";
    out += "    " + gln + "  " + padded(who, 40) + " sent " + number(p.sent, 7) + "  received " + number(p.received, 7) +
           "  named " + number(p.named, 7) + "\n";
  }

  out += "  problems      " + std::to_string(report.errors) + " errors, " + std::to_string(report.warnings) +
         " warnings\n";
  for (std::size_t i = 0; i < report.problems.size() && i < shown_problems; ++i) {
    out += "    " + format(report.problems[i]) + "\n";
  }
  const std::uint64_t total = report.errors + report.warnings;
  const std::uint64_t shown = std::min<std::uint64_t>(report.problems.size(), shown_problems);
  if (total > shown) out += "    ... and " + std::to_string(total - shown) + " more\n";
  return out;
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
