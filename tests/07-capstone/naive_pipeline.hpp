// The naive pipeline of lesson 07: the same report as edi::capstone::Pipeline, computed the way a
// first version would: the whole file in memory, every segment parsed eagerly into a string per
// value (edi::baseline), one thread, no caches (an SQL query per partner lookup, retransmissions
// found by comparing whole message texts).
//
// It is two things: the graders' oracle (written apart from the exercise and the reference,
// sharing only the core and the spec in lessons/07-capstone/README.md), and the baseline the
// benchmarks measure the pipeline against.
//
//   edi::capstone::naive::Report r = edi::capstone::naive::run(text, ":memory:", {});
//   r.types["INVOIC"].accepted;
//
// Thread-compatible (no shared state).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "edi/amount.hpp"
#include "edi/envelope.hpp"
#include "edi/error.hpp"

namespace edi::capstone::naive {

// The same fields as edi::capstone::Report (report.hpp), in plain structs of their own.
struct Problem {
  std::uint64_t offset = 0;
  Severity severity = Severity::error;
  std::string code;
  std::string text;
  friend bool operator==(const Problem&, const Problem&) = default;
};

struct TypeSummary {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t duplicates = 0;
  Amount invoice_amount;
  Amount line_total;
  friend bool operator==(const TypeSummary&, const TypeSummary&) = default;
};

struct PartnerSummary {
  bool known = false;
  std::string name;
  std::string city;
  std::string country;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t named = 0;
  friend bool operator==(const PartnerSummary&, const PartnerSummary&) = default;
};

struct Report {
  std::uint64_t bytes = 0;
  std::uint64_t interchanges = 0;
  std::uint64_t segments = 0;
  std::uint64_t messages = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t failed = 0;
  std::map<std::string, TypeSummary, std::less<>> types;
  std::map<std::string, PartnerSummary, std::less<>> partners;
  std::uint64_t errors = 0;
  std::uint64_t warnings = 0;
  std::vector<Problem> problems;
  Errc input = Errc::end_of_input;
  friend bool operator==(const Report&, const Report&) = default;
};

// Every field, one per line: what the graders print when two reports differ.
std::string dump(const Report& report);

struct Options {
  std::size_t max_message_bytes = 1 << 20;
  std::size_t dedup_capacity = 1 << 16;
  std::size_t max_problems = 1000;
  // Called before each message is processed, with its sequence number; when it throws a
  // std::exception, the message fails (processing-failed), as with PipelineObserver::before_process.
  std::function<void(std::uint64_t)> before_process;
};

// `database`: the SQLite master data (":memory:" or a file path), created and filled from
// edi::partners() when its partners table is missing or empty.
Report run(std::string_view input, const std::string& database, const Options& options);
// Reads the whole file first.
Report run_file(const std::string& path, const std::string& database, const Options& options);

}  // namespace edi::capstone::naive
