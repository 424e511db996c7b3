// The naive pipeline: see naive_pipeline.hpp. Written for clarity and independence from the
// exercise, not for speed: it is slow in exactly the ways lesson 07 measures.
#include "naive_pipeline.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "edi/baseline.hpp"
#include "edi/generator.hpp"
#include "edi/segment.hpp"
#include "edi/tokenizer.hpp"

namespace edi::capstone::naive {
namespace {

using Seg = edi::baseline::Segment;

// Element e, component c of repetition 0, or "" when absent.
std::string value(const Seg& s, std::size_t e, std::size_t c) {
  if (e >= s.elements.size() || s.elements[e].empty() || c >= s.elements[e][0].size()) return "";
  return s.elements[e][0][c];
}

std::string without_line_breaks(std::string v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n'; }), v.end());
  return v;
}

std::string q(const std::string& v) { return "'" + v + "'"; }

bool gln_ok(const std::string& g) {
  if (g.size() != 13 || !std::all_of(g.begin(), g.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  int sum = 0;
  for (int i = 11, weight = 3; i >= 0; --i, weight = 4 - weight) sum += (g[static_cast<std::size_t>(i)] - '0') * weight;
  return (10 - sum % 10) % 10 == g[12] - '0';
}

std::optional<std::uint64_t> as_number(const std::string& v) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

// The master data, queried once per lookup: no cache.
class Directory {
 public:
  explicit Directory(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("naive: cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
    exec("BEGIN IMMEDIATE");
    exec("CREATE TABLE IF NOT EXISTS partners (gln TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, "
         "country TEXT NOT NULL)");
    for (const Partner& p : partners()) {
      std::ostringstream sql;
      const auto lit = [](std::string_view s) {
        std::string out = "'";
        for (const char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
      };
      sql << "INSERT OR IGNORE INTO partners VALUES (" << lit(p.gln) << ", " << lit(p.name) << ", " << lit(p.city)
          << ", " << lit(p.country) << ")";
      exec(sql.str());
    }
    exec("COMMIT");
  }
  ~Directory() { sqlite3_close(db_); }
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Known or not, and the record's fields.
  bool find(const std::string& gln, PartnerSummary& out) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT name, city, country FROM partners WHERE gln = ?", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, gln.c_str(), -1, SQLITE_TRANSIENT);
    const bool found = sqlite3_step(stmt) == SQLITE_ROW;
    if (found) {
      out.name = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out.city = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      out.country = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
    }
    sqlite3_finalize(stmt);
    return found;
  }

 private:
  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("naive: ") + sqlite3_errmsg(db_));
    }
  }
  sqlite3* db_ = nullptr;
};

struct Parsed {
  std::uint64_t offset;
  std::string raw;  // the segment's bytes with its terminator
  Seg seg;
};

class Run {
 public:
  Run(const std::string& database, const Options& options) : directory_(database), options_(options) {}

  Report go(std::string_view input) {
    edi::Tokenizer tok(input);
    edi::RawSegment raw;
    edi::Errc rc;
    while ((rc = tok.next(raw)) == edi::Errc::ok) {
      ++report_.segments;
      if (report_.segments == 1 && tok.leading_junk() > 0) {
        envelope(0, "leading-junk", std::to_string(tok.leading_junk()) + " bytes before the first segment are not EDIFACT and were skipped");
      }
      Parsed p{raw.offset, std::string(raw.text) + raw.chars.terminator, edi::baseline::from_core(eager(raw))};
      const std::string tag(raw.tag.view());
      const bool service = tag == "UNB" || tag == "UNG" || tag == "UNH" || tag == "UNT" || tag == "UNE" || tag == "UNZ";
      if (open_) {
        if (tag == "UNT" && raw.chars == chars_) {
          message_.push_back(std::move(p));
          close_message(true);
          continue;
        }
        if (service || !(raw.chars == chars_)) {
          close_message(false);
        } else {
          message_.push_back(std::move(p));
          continue;
        }
      }
      if (tag == "UNH") {
        outside_reported_ = false;
        ++group_messages_;
        if (groups_ == 0) ++interchange_messages_;
        open_ = true;
        chars_ = raw.chars;
        message_.clear();
        message_.push_back(std::move(p));
      } else {
        on_envelope(tag, p);
      }
    }
    const std::uint64_t end = rc == edi::Errc::end_of_input ? input.size() : tok.error_offset();
    report_.bytes = end;
    report_.input = rc;
    if (report_.segments == 0 && tok.leading_junk() > 0) {
      envelope(0, "leading-junk", std::to_string(tok.leading_junk()) + " bytes before the first segment are not EDIFACT and were skipped");
    }
    if (rc != edi::Errc::end_of_input) {
      const std::string code = rc == edi::Errc::unterminated_segment ? "unterminated-segment"
                               : rc == edi::Errc::release_at_end     ? "release-at-end"
                               : rc == edi::Errc::truncated_una      ? "truncated-una"
                               : rc == edi::Errc::invalid_una        ? "invalid-una"
                                                                     : "segment-too-long";
      envelope(end, code, std::string(edi::describe(rc)));
    }
    if (group_open_) envelope(end, "missing-une", "group " + q(group_ref_) + " has no UNE before the end of input");
    if (interchange_open_) envelope(end, "missing-unz", "interchange " + q(interchange_ref_) + " has no UNZ before the end of input");
    if (report_.segments == 0 && rc == edi::Errc::end_of_input) envelope(end, "empty", "no segments: expected UNA, UNB or a segment");
    if (open_) close_message(false);

    // Problems in input order: by offset, the envelope's before the messages' at equal offsets.
    std::vector<Problem> all = envelope_problems_;
    all.insert(all.end(), message_problems_.begin(), message_problems_.end());
    std::stable_sort(all.begin(), all.end(), [](const Problem& a, const Problem& b) { return a.offset < b.offset; });
    for (const Problem& p : all) (p.severity == Severity::error ? report_.errors : report_.warnings) += 1;
    if (all.size() > options_.max_problems) all.resize(options_.max_problems);
    report_.problems = std::move(all);
    return report_;
  }

 private:
  static edi::Segment eager(const edi::RawSegment& raw) {
    edi::Segment s;  // a fresh segment every time: nothing is reused
    edi::parse_segment(raw, s);
    return s;
  }

  void envelope(std::uint64_t offset, const std::string& code, const std::string& text,
                Severity severity = Severity::error) {
    envelope_problems_.push_back(Problem{offset, severity, code, text});
  }

  void count_check(const Parsed& p, const char* code, const char* tag, std::uint64_t expected, const char* noun,
                   const char* holder) {
    const std::string declared = without_line_breaks(value(p.seg, 0, 0));
    const auto n = as_number(declared);
    if (!n) {
      envelope(p.offset, code, std::string(tag) + " count " + q(declared) + " is not a number: expected " + std::to_string(expected));
    } else if (*n != expected) {
      envelope(p.offset, code, std::string(tag) + " declares " + declared + " " + noun + "; the " + holder + " has " + std::to_string(expected));
    }
  }

  void on_envelope(const std::string& tag, const Parsed& p) {
    if (tag == "UNB") {
      if (group_open_) envelope(p.offset, "missing-une", "group " + q(group_ref_) + " has no UNE before the next UNB");
      if (interchange_open_) envelope(p.offset, "missing-unz", "interchange " + q(interchange_ref_) + " has no UNZ before the next UNB");
      ++report_.interchanges;
      interchange_open_ = true;
      group_open_ = false;
      interchange_messages_ = 0;
      groups_ = 0;
      std::size_t ref = 4;
      const std::string e5 = value(p.seg, 4, 0);
      const bool separate = p.seg.elements.size() > 5 && p.seg.elements[3][0].size() == 1 && e5.size() == 4 &&
                            std::all_of(e5.begin(), e5.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (separate) {
        ref = 5;
        envelope(p.offset, "nonstandard-unb", "UNB date and time are separate elements: the interchange reference is read from element 6",
                 Severity::warning);
      }
      interchange_ref_ = without_line_breaks(value(p.seg, ref, 0));
      sender_ = party(p, 1, "sender");
      recipient_ = party(p, 2, "recipient");
    } else if (tag == "UNG") {
      if (group_open_) envelope(p.offset, "missing-une", "group " + q(group_ref_) + " has no UNE before the next UNG");
      group_open_ = true;
      group_ref_ = without_line_breaks(value(p.seg, 4, 0));
      group_messages_ = 0;
      ++groups_;
    } else if (tag == "UNE") {
      if (!group_open_) {
        envelope(p.offset, "unexpected-une", "UNE without a group: expected UNG before it");
      } else {
        count_check(p, "une-count", "UNE", group_messages_, "messages", "group");
        const std::string r = without_line_breaks(value(p.seg, 1, 0));
        if (r != group_ref_) envelope(p.offset, "une-reference", "UNE reference " + q(r) + " does not match UNG reference " + q(group_ref_));
        group_open_ = false;
      }
    } else if (tag == "UNZ") {
      if (group_open_) envelope(p.offset, "missing-une", "group " + q(group_ref_) + " has no UNE before UNZ");
      group_open_ = false;
      if (!interchange_open_) {
        envelope(p.offset, "unexpected-unz", "UNZ without an interchange: expected UNB before it");
      } else {
        count_check(p, "unz-count", "UNZ", groups_ > 0 ? groups_ : interchange_messages_, groups_ > 0 ? "groups" : "messages",
                    "interchange");
        const std::string r = without_line_breaks(value(p.seg, 1, 0));
        if (r != interchange_ref_) envelope(p.offset, "unz-reference", "UNZ reference " + q(r) + " does not match UNB reference " + q(interchange_ref_));
        interchange_open_ = false;
      }
    } else if (tag == "UNT") {
      envelope(p.offset, "unexpected-unt", "UNT without a message: expected UNH before it");
    } else if (!outside_reported_) {
      outside_reported_ = true;
      envelope(p.offset, "outside-message",
               "segment " + q(p.seg.tag) + " is outside a message (further ones before the next UNH are not reported)");
    }
  }

  std::string party(const Parsed& p, std::size_t element, const char* role) {
    if (without_line_breaks(value(p.seg, element, 1)) != "14") return "";
    const std::string gln = without_line_breaks(value(p.seg, element, 0));
    if (gln_ok(gln)) return gln;
    envelope(p.offset, "bad-gln", std::string("UNB ") + role + " " + q(gln) + " is not a GLN: expected 13 digits with a valid check digit");
    return "";
  }

  PartnerSummary& partner(const std::string& gln) {
    auto it = report_.partners.find(gln);
    if (it == report_.partners.end()) {
      PartnerSummary s;
      s.known = directory_.find(gln, s);
      it = report_.partners.emplace(gln, s).first;
    }
    return it->second;
  }

  // Exact LRU over whole message texts: true when `text` is among the last dedup_capacity.
  bool retransmission(const std::string& text) {
    const auto it = seen_.find(text);
    if (it != seen_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return true;
    }
    if (seen_.size() == options_.dedup_capacity) {
      seen_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(text);
    seen_.emplace(text, order_.begin());
    return false;
  }

  void close_message(bool complete) {
    open_ = false;
    const std::uint64_t sequence = report_.messages++;
    const Parsed& unh = message_.front();
    const Parsed& last = message_.back();
    const std::uint64_t size = last.offset + last.raw.size() - unh.offset;
    const std::string reference = without_line_breaks(value(unh.seg, 0, 0));
    const std::string type = without_line_breaks(value(unh.seg, 1, 0));
    std::vector<Problem> problems;
    const auto error = [&](std::uint64_t offset, const char* code, std::string text) {
      problems.push_back(Problem{offset, Severity::error, code, std::move(text)});
    };

    if (options_.before_process) {
      try {
        options_.before_process(sequence);
      } catch (const std::exception& e) {
        ++report_.failed;
        message_problems_.push_back(Problem{unh.offset, Severity::error, "processing-failed", std::string("processing failed: ") + e.what()});
        return;
      }
    }

    if (size > options_.max_message_bytes) {
      error(unh.offset, "message-too-long", "message " + q(reference) + " of " + std::to_string(size) +
                                                 " bytes is longer than the size limit: it was not analysed");
      ++report_.rejected;
      ++report_.types[type].rejected;
      message_problems_.insert(message_problems_.end(), problems.begin(), problems.end());
      return;
    }

    // The text as the pipeline defines it: segments at their offsets, '\n' between them.
    std::string text;
    for (const Parsed& p : message_) {
      text.append(p.offset - unh.offset - text.size(), '\n');
      text += p.raw;
    }
    if (retransmission(text)) {
      ++report_.duplicates;
      ++report_.types[type].duplicates;
      return;
    }

    if (!complete) error(unh.offset, "missing-unt", "message " + q(reference) + " has no UNT");
    Amount invoice, lines;
    std::vector<std::string> parties;
    for (std::size_t i = 1; i < message_.size(); ++i) {
      const Parsed& p = message_[i];
      if (p.seg.tag == "NAD" && value(p.seg, 1, 2) == "9") {
        const std::string gln = value(p.seg, 1, 0);
        if (gln_ok(gln)) {
          parties.push_back(gln);
        } else {
          error(p.offset, "bad-gln", "NAD party identifier " + q(gln) + " is not a GLN: expected 13 digits with a valid check digit");
        }
      } else if (p.seg.tag == "MOA") {
        Amount a;
        if (!parse_amount(value(p.seg, 0, 1), chars_.decimal, a)) {
          error(p.offset, "bad-amount", "MOA amount " + q(value(p.seg, 0, 1)) + " is not a number with at most 4 decimals");
        } else if (value(p.seg, 0, 0) == "77") {
          invoice += a;
        } else if (value(p.seg, 0, 0) == "79") {
          lines += a;
        }
      } else if (p.seg.tag == "UNT") {
        const std::string declared = without_line_breaks(value(p.seg, 0, 0));
        const auto n = as_number(declared);
        if (!n) {
          error(p.offset, "unt-count", "UNT count " + q(declared) + " is not a number: expected " + std::to_string(message_.size()));
        } else if (*n != message_.size()) {
          error(p.offset, "unt-count", "UNT declares " + declared + " segments; the message has " + std::to_string(message_.size()));
        }
        const std::string r = without_line_breaks(value(p.seg, 1, 0));
        if (r != reference) error(p.offset, "unt-reference", "UNT reference " + q(r) + " does not match UNH reference " + q(reference));
      }
    }
    message_problems_.insert(message_problems_.end(), problems.begin(), problems.end());
    TypeSummary& t = report_.types[type];
    if (!problems.empty()) {
      ++report_.rejected;
      ++t.rejected;
      return;
    }
    ++report_.accepted;
    ++t.accepted;
    t.invoice_amount += invoice;
    t.line_total += lines;
    if (!sender_.empty()) ++partner(sender_).sent;
    if (!recipient_.empty()) ++partner(recipient_).received;
    for (const std::string& gln : parties) ++partner(gln).named;
  }

  Directory directory_;
  const Options& options_;
  Report report_;
  std::vector<Problem> envelope_problems_;
  std::vector<Problem> message_problems_;

  bool interchange_open_ = false;
  std::string interchange_ref_;
  std::uint64_t interchange_messages_ = 0;
  std::uint64_t groups_ = 0;
  std::string sender_, recipient_;
  bool group_open_ = false;
  std::string group_ref_;
  std::uint64_t group_messages_ = 0;
  bool outside_reported_ = false;

  bool open_ = false;
  ServiceChars chars_;
  std::vector<Parsed> message_;

  std::list<std::string> order_;
  std::unordered_map<std::string, std::list<std::string>::iterator> seen_;
};

}  // namespace

std::string dump(const Report& r) {
  std::ostringstream out;
  out << "bytes " << r.bytes << "\ninterchanges " << r.interchanges << "\nsegments " << r.segments << "\nmessages "
      << r.messages << "\naccepted " << r.accepted << "\nrejected " << r.rejected << "\nduplicates " << r.duplicates
      << "\nfailed " << r.failed << "\n";
  for (const auto& [type, t] : r.types) {
    out << "type '" << type << "': accepted " << t.accepted << " rejected " << t.rejected << " duplicates " << t.duplicates
        << " MOA+77 " << to_string(t.invoice_amount) << " MOA+79 " << to_string(t.line_total) << "\n";
  }
  for (const auto& [gln, p] : r.partners) {
    out << "partner " << gln << (p.known ? " " + p.name + ", " + p.city + " " + p.country : std::string(" unknown"))
        << ": sent " << p.sent << " received " << p.received << " named " << p.named << "\n";
  }
  out << "errors " << r.errors << " warnings " << r.warnings << "\n";
  for (const Problem& p : r.problems) {
    out << "  offset " << p.offset << (p.severity == Severity::error ? " error " : " warning ") << p.code << ": " << p.text
        << "\n";
  }
  out << "input " << describe(r.input) << "\n";
  return out.str();
}

Report run(std::string_view input, const std::string& database, const Options& options) {
  Run run(database, options);
  return run.go(input);
}

Report run_file(const std::string& path, const std::string& database, const Options& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("naive: cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return run(text, database, options);
}

}  // namespace edi::capstone::naive
