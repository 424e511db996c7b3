// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
//
// Trading-partner master data in SQLite, with the schema of lesson 04
// (lessons/04-caching/schema.sql): partners(gln, name, city, country). The table is filled from
// edi::partners() the first time a database is opened with an empty table.
//
//   edi::capstone::PartnerDirectory directory(":memory:");   // or a file, e.g. "/tmp/partners.db"
//   edi::capstone::PartnerPtr p = directory.find("4000000000009");
//   // p == nullptr: no such partner; otherwise p->name, p->city, p->country
//   directory.queries();                                     // 1: every find() is one SQL query
//
//   edi::capstone::is_gln("5412345000013");                  // true: 13 digits, check digit 3
//   edi::capstone::is_gln("5412345000014");                  // false: the check digit is wrong
//
// Thread-safe: one connection, one query at a time (a mutex). A query costs microseconds, which
// is why the pipeline puts a PartnerCache (caches.hpp) in front of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace edi::capstone {
inline namespace EDI_IMPL {

struct PartnerRecord {
  std::string gln;
  std::string name;
  std::string city;
  std::string country;
  friend bool operator==(const PartnerRecord&, const PartnerRecord&) = default;
};

// Records are shared, never modified: a cache can hand the same one to many threads.
using PartnerPtr = std::shared_ptr<const PartnerRecord>;

// A GS1 Global Location Number: 13 digits whose last one is the check digit of the other twelve.
[[nodiscard]] bool is_gln(std::string_view text) noexcept;

class PartnerDirectory {
 public:
  // Opens (or creates) the database at `path` (":memory:" for a private in-memory one), creates
  // the schema when the partners table does not exist, and loads edi::partners() into an empty
  // table. Throws std::runtime_error with SQLite's message when any of it fails.
  explicit PartnerDirectory(const std::string& path);
  ~PartnerDirectory();
  PartnerDirectory(const PartnerDirectory&) = delete;
  PartnerDirectory& operator=(const PartnerDirectory&) = delete;

  // The partner with this GLN, or nullptr. One SQL query per call. Throws std::runtime_error with
  // SQLite's message when the query fails, and std::bad_alloc when building the record does; the
  // directory stays usable after either (the next find() answers as if nothing had happened).
  [[nodiscard]] PartnerPtr find(std::string_view gln) const;

  // A seam for tests: find() calls `hook(gln)` first, on the calling thread, before it takes the
  // directory's lock and queries. A test pauses a query there to make other threads ask at the
  // same moment. Set it before the directory is shared between threads; empty by default.
  void set_query_hook(std::function<void(std::string_view gln)> hook) { query_hook_ = std::move(hook); }

  // Number of find() calls so far: what a cache in front of the directory saves.
  std::uint64_t queries() const noexcept { return queries_.load(std::memory_order_relaxed); }
  // Rows of the partners table.
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;  // guards db_ and find_
  sqlite3* db_ = nullptr;
  sqlite3_stmt* find_ = nullptr;
  mutable std::atomic<std::uint64_t> queries_{0};
  std::function<void(std::string_view)> query_hook_;
};

// The SQL that creates the schema: lesson 04's schema.sql, compiled in when the build found that
// file, else the same two tables written out in master_data.cpp.
std::string partner_schema_sql();

}  // namespace EDI_IMPL
}  // namespace edi::capstone
