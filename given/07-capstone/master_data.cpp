// PROVIDED (given/07-capstone/, one copy for your code and the reference): you do not change it.
#include "master_data.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <string_view>

#include "edi/generator.hpp"

namespace edi::capstone {
inline namespace EDI_IMPL {

namespace {

// Lesson 04's schema (lessons/04-caching/schema.sql), made into a raw string literal by
// edi_lesson(EMBED) in tests/07-capstone/CMakeLists.txt.
constexpr const char* kSchema =
#include "schema_sql.inc"
    ;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("partner master data: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

void exec(sqlite3* db, const std::string& sql, const char* what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error(std::string("partner master data: ") + what + ": " + text);
  }
}

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const char* what) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      fail(db, what);
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement: resets it and drops its bindings when it goes out of scope,
// whatever happens in between (a failed step, an exception while a row is read), so that the
// next use starts from a statement that is ready to bind and run.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~StatementUse() {
    // reset() repeats the error of a failed step, which the step's caller has reported already.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

void bind_text(sqlite3* db, sqlite3_stmt* stmt, int index, std::string_view text, const char* what) {
  // SQLITE_STATIC: SQLite reads the bytes in place; a StatementUse unbinds them before they go.
  if (sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) != SQLITE_OK) {
    fail(db, what);
  }
}

// sqlite3_step, with an error other than "a row" or "done" reported as an exception.
bool step_row(sqlite3* db, sqlite3_stmt* stmt, const char* what) {
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db, what);
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return text != nullptr ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))) : std::string();
}

bool table_exists(sqlite3* db) {
  const Statement stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'partners'",
                       "cannot read the schema");
  return step_row(db, stmt.get(), "cannot read the schema");
}

std::int64_t count_rows(sqlite3* db) {
  const Statement stmt(db, "SELECT COUNT(*) FROM partners", "cannot count");
  if (!step_row(db, stmt.get(), "cannot count")) fail(db, "cannot count: no result");
  return sqlite3_column_int64(stmt.get(), 0);
}

void load_partners(sqlite3* db) {
  const Statement insert(db, "INSERT OR IGNORE INTO partners (gln, name, city, country) VALUES (?1, ?2, ?3, ?4)",
                         "cannot prepare the insert");
  for (const Partner& p : partners()) {
    const StatementUse use(insert.get());
    const std::string_view fields[] = {p.gln, p.name, p.city, p.country};
    for (int i = 0; i < 4; ++i) bind_text(db, insert.get(), i + 1, fields[i], "cannot bind a partner");
    if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(db, "cannot insert a partner");
  }
}

}  // namespace

bool is_gln(std::string_view text) noexcept {
  if (text.size() != 13) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  // Weights 3, 1, 3, ... from the digit left of the check digit.
  for (std::size_t i = 0; i < 12; ++i) sum += (text[11 - i] - '0') * (i % 2 == 0 ? 3 : 1);
  return (10 - sum % 10) % 10 == text[12] - '0';
}

std::string partner_schema_sql() { return kSchema; }

PartnerDirectory::PartnerDirectory(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("partner master data: cannot open " + path + ": " + message);
  }
  try {
    // Another process may be creating the same file: wait for its lock instead of failing.
    // One write transaction: two processes opening a new file at once do not both create it.
    sqlite3_busy_timeout(db_, 5000);
    exec(db_, "BEGIN IMMEDIATE", "cannot start a transaction");
    try {
      if (!table_exists(db_)) exec(db_, partner_schema_sql(), "cannot create the schema");
      if (count_rows(db_) == 0) load_partners(db_);
      exec(db_, "COMMIT", "cannot commit the schema and partners");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    if (sqlite3_prepare_v2(db_, "SELECT gln, name, city, country FROM partners WHERE gln = ?1", -1, &find_, nullptr) !=
        SQLITE_OK) {
      fail(db_, "cannot prepare the lookup");
    }
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

PartnerDirectory::~PartnerDirectory() {
  sqlite3_finalize(find_);
  sqlite3_close(db_);
}

PartnerPtr PartnerDirectory::find(std::string_view gln) const {
  if (query_hook_) query_hook_(gln);
  queries_.fetch_add(1, std::memory_order_relaxed);
  const std::lock_guard lock(mutex_);
  // Declared after the lock, so destroyed before it is released: the next find() gets the
  // statement reset even when reading the row throws (std::bad_alloc from a string or the record).
  const StatementUse use(find_);
  bind_text(db_, find_, 1, gln, "cannot bind the lookup");
  if (!step_row(db_, find_, "lookup failed")) return nullptr;
  return std::make_shared<const PartnerRecord>(
      PartnerRecord{column_text(find_, 0), column_text(find_, 1), column_text(find_, 2), column_text(find_, 3)});
}

std::size_t PartnerDirectory::size() const {
  const std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(count_rows(db_));
}

}  // namespace EDI_IMPL
}  // namespace edi::capstone
