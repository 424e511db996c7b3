// Provided code: the backing stores of lesson 04 (see store.hpp).
#include "store.hpp"

#include <sqlite3.h>

#include <array>
#include <cstring>

#include "edi/generator.hpp"

namespace edi::caching {
inline namespace EDI_IMPL {

namespace {

// lessons/04-caching/schema.sql, made into a raw string literal by edi_lesson(EMBED) in
// tests/04-caching/CMakeLists.txt.
constexpr std::string_view kSchema =
#include "schema_sql.inc"
    ;

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StoreError("SQLite: " + std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// Resets a statement after use and drops its bindings, whatever happens in between.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

void bind_text(sqlite3* db, sqlite3_stmt* stmt, int index, std::string_view text) {
  // SQLITE_STATIC: SQLite reads the bytes in place; StatementUse unbinds them before they go.
  if (sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) != SQLITE_OK) {
    fail(db, "bind");
  }
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

// BEGIN ... COMMIT, rolled back when anything in between throws.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "BEGIN");
  }
  ~Transaction() {
    if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "COMMIT");
    committed_ = true;
  }

 private:
  sqlite3* db_;
  bool committed_ = false;
};

}  // namespace

// --- MemoryStatusStore ------------------------------------------------------------------------

std::optional<MessageStatus> MemoryStatusStore::load(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = rows_.find(key);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

void MemoryStatusStore::write(std::span<const StatusWrite> batch) {
  if (batch.empty()) return;
  std::lock_guard lock(mutex_);
  for (const StatusWrite& w : batch) rows_.insert_or_assign(w.key, w.status);
  ++batches_;
  rows_written_ += batch.size();
}

std::size_t MemoryStatusStore::size() const {
  std::lock_guard lock(mutex_);
  return rows_.size();
}

std::uint64_t MemoryStatusStore::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::uint64_t MemoryStatusStore::rows_written() const {
  std::lock_guard lock(mutex_);
  return rows_written_;
}

// --- SqliteStore ------------------------------------------------------------------------------

void SqliteStore::CloseDb::operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
void SqliteStore::Finalize::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

SqliteStore::SqliteStore(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: this class serialises every use of the connection with its own mutex.
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  db_.reset(raw);  // SQLite returns a handle even when opening fails; it must be closed
  if (rc != SQLITE_OK) fail(raw, "cannot open " + path);
  sqlite3_busy_timeout(db_.get(), 5000);  // another connection writing: wait up to 5 s, not fail
  execute("PRAGMA journal_mode = WAL");   // ":memory:" stays "memory"
  execute("PRAGMA synchronous = NORMAL");

  Transaction tx(db_.get());
  execute(std::string(kSchema).c_str());
  count_partners_ = prepare("SELECT count(*) FROM partners");
  if (count(count_partners_.get()) == 0) {
    Statement insert = prepare("INSERT INTO partners (gln, name, city, country) VALUES (?1, ?2, ?3, ?4)");
    for (const Partner& p : edi::partners()) {
      StatementUse use(insert.get());
      bind_text(db_.get(), insert.get(), 1, p.gln);
      bind_text(db_.get(), insert.get(), 2, p.name);
      bind_text(db_.get(), insert.get(), 3, p.city);
      bind_text(db_.get(), insert.get(), 4, p.country);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) fail(db_.get(), "loading the partners");
    }
    created_ = true;
  }
  tx.commit();

  load_status_ = prepare("SELECT status, updated_at FROM message_status WHERE message_key = ?1");
  upsert_status_ = prepare(
      "INSERT INTO message_status (message_key, status, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (message_key) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at");
  count_status_ = prepare("SELECT count(*) FROM message_status");
  find_partner_ = prepare("SELECT gln, name, city, country FROM partners WHERE gln = ?1");
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError("SQLite: " + text);
  }
}

SqliteStore::Statement SqliteStore::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &stmt, nullptr) != SQLITE_OK) fail(db_.get(), sql);
  return Statement(stmt);
}

std::size_t SqliteStore::count(sqlite3_stmt* stmt) {
  StatementUse use(stmt);
  if (sqlite3_step(stmt) != SQLITE_ROW) fail(db_.get(), "count");
  return static_cast<std::size_t>(sqlite3_column_int64(stmt, 0));
}

std::optional<MessageStatus> SqliteStore::load(const std::string& key) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* stmt = load_status_.get();
  StatementUse use(stmt);
  bind_text(db_.get(), stmt, 1, key);
  switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
      return MessageStatus{column_text(stmt, 0), sqlite3_column_int64(stmt, 1)};
    case SQLITE_DONE:
      return std::nullopt;
    default:
      fail(db_.get(), "loading a message status");
  }
}

void SqliteStore::write(std::span<const StatusWrite> batch) {
  if (batch.empty()) return;
  std::lock_guard lock(mutex_);
  // One transaction for the whole batch: SQLite's cost is per commit (the journal is written and,
  // in WAL mode, the log appended) far more than per row.
  Transaction tx(db_.get());
  sqlite3_stmt* stmt = upsert_status_.get();
  for (const StatusWrite& w : batch) {
    StatementUse use(stmt);
    bind_text(db_.get(), stmt, 1, w.key);
    bind_text(db_.get(), stmt, 2, w.status.status);
    if (sqlite3_bind_int64(stmt, 3, w.status.updated_at) != SQLITE_OK) fail(db_.get(), "bind");
    if (sqlite3_step(stmt) != SQLITE_DONE) fail(db_.get(), "writing a message status");
  }
  tx.commit();
}

std::size_t SqliteStore::status_count() {
  std::lock_guard lock(mutex_);
  return count(count_status_.get());
}

std::optional<PartnerRecord> SqliteStore::find_partner(std::string_view gln) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* stmt = find_partner_.get();
  StatementUse use(stmt);
  bind_text(db_.get(), stmt, 1, gln);
  switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
      return PartnerRecord{column_text(stmt, 0), column_text(stmt, 1), column_text(stmt, 2), column_text(stmt, 3)};
    case SQLITE_DONE:
      return std::nullopt;
    default:
      fail(db_.get(), "looking up a partner");
  }
}

std::size_t SqliteStore::partner_count() {
  std::lock_guard lock(mutex_);
  return count(count_partners_.get());
}

// --- keys -------------------------------------------------------------------------------------

std::string message_key(std::string_view message) {
  // FNV-1a, 128 bits: h = (h ^ byte) * prime for every byte, with the published offset basis
  // and prime (2^88 + 2^8 + 0x3b).
  __extension__ using u128 = unsigned __int128;
  constexpr u128 kPrime = (static_cast<u128>(1) << 88) + 0x13B;
  u128 h = (static_cast<u128>(0x6C62272E07BB0142ULL) << 64) | 0x62B821756295C58DULL;
  for (const char c : message) {
    h ^= static_cast<unsigned char>(c);
    h *= kPrime;
  }
  constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                         '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string key(32, '0');
  for (std::size_t i = 32; i > 0; --i) {
    key[i - 1] = kHex[static_cast<std::size_t>(h & 0xF)];
    h >>= 4;
  }
  return key;
}

std::string_view schema_sql() noexcept { return kSchema; }

}  // namespace EDI_IMPL
}  // namespace edi::caching
