// Lesson 04: the backing stores behind the caches, and the SQLite database of the lesson.
//
//   edi::caching::SqliteStore db("build/lesson04.db");  // created from schema.sql on first use
//   db.partner_count();                                 // 200: edi::partners(), loaded once
//   db.find_partner("4000000000009");                   // PartnerRecord{gln, name, city, country}
//
//   std::string key = edi::caching::message_key(message_bytes);    // 32 hex digits
//   db.write(std::vector<edi::caching::StatusWrite>{{key, {"received", 1764240000}}});
//   db.load(key);                                       // MessageStatus{"received", 1764240000}
//
// The schema is lessons/04-caching/schema.sql, compiled into the program (schema_sql() returns
// it): a binary never reads the source tree. Lesson 07 uses the same file and the same lookups.
//
// Provided code: not an exercise. Both exercises/ and solutions/ hold the same files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace edi::caching {
inline namespace EDI_IMPL {

// The processing state of one message (a row of the message_status table).
struct MessageStatus {
  std::string status;          // "received", "validated", "acknowledged", "rejected", ...
  std::int64_t updated_at = 0; // seconds since the Unix epoch
  friend bool operator==(const MessageStatus&, const MessageStatus&) = default;
};

// One write of a batch.
struct StatusWrite {
  std::string key;  // message_key() of the message
  MessageStatus status;
  friend bool operator==(const StatusWrite&, const StatusWrite&) = default;
};

// A backing store failed (the disk is full, the database is locked, the network is down...).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the write caches write to and read from. Implementations are thread-safe: a cache's
// flusher thread writes while other threads load.
class StatusStore {
 public:
  virtual ~StatusStore() = default;

  // The stored status of `key`, or std::nullopt. Throws StoreError.
  [[nodiscard]] virtual std::optional<MessageStatus> load(const std::string& key) = 0;

  // Stores every write of `batch` atomically: afterwards all of them are stored, or, when it
  // throws, none is. Within a batch a later write of a key wins. An empty batch is a no-op.
  // The stores of this lesson throw StoreError; another implementation (a client library, a
  // test double) may throw anything, not only a std::exception, and the write caches treat
  // whatever it throws as a refused batch.
  virtual void write(std::span<const StatusWrite> batch) = 0;

 protected:
  StatusStore() = default;
  StatusStore(const StatusStore&) = default;
  StatusStore& operator=(const StatusStore&) = default;
};

// A map behind a mutex: the store of the workload and of quick experiments. Thread-safe.
class MemoryStatusStore final : public StatusStore {
 public:
  [[nodiscard]] std::optional<MessageStatus> load(const std::string& key) override;
  void write(std::span<const StatusWrite> batch) override;

  std::size_t size() const;
  std::uint64_t batches() const;  // write() calls that wrote something
  std::uint64_t rows_written() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, MessageStatus, std::less<>> rows_;  // GUARDED_BY(mutex_)
  std::uint64_t batches_ = 0;                               // GUARDED_BY(mutex_)
  std::uint64_t rows_written_ = 0;                          // GUARDED_BY(mutex_)
};

// A trading partner as the partners table holds it.
struct PartnerRecord {
  std::string gln;      // 13-digit Global Location Number
  std::string name;
  std::string city;
  std::string country;  // ISO 3166 alpha-2
  friend bool operator==(const PartnerRecord&, const PartnerRecord&) = default;
};

// The lesson's SQLite database: the message_status table as a StatusStore, and the partners
// table (master data) for lookups.
//
// Opening runs schema.sql (idempotent: CREATE TABLE IF NOT EXISTS) and, when the partners table
// is empty, loads edi::partners() into it, all in one transaction. A file database is put in
// WAL mode with synchronous=NORMAL (a commit appends to the log without waiting for the disk;
// a power cut may lose the last commits, never corrupt the file): the usual setting for a
// service's local store. ":memory:" opens a private in-memory database (tests).
//
// Thread-safe: one connection, used under a mutex. Not copyable, not movable.
class SqliteStore final : public StatusStore {
 public:
  // Throws StoreError when the database cannot be opened or initialised.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // message_status: one transaction per write() call, one upsert per entry.
  [[nodiscard]] std::optional<MessageStatus> load(const std::string& key) override;
  void write(std::span<const StatusWrite> batch) override;
  std::size_t status_count();

  // partners: the lookup of a NAD party's GLN.
  [[nodiscard]] std::optional<PartnerRecord> find_partner(std::string_view gln);
  std::size_t partner_count();

  // Whether opening this database created its partners (false: they were there already).
  bool created() const noexcept { return created_; }

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const noexcept;
  };
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

  void execute(const char* sql);                // REQUIRES: mutex_ held (or construction)
  Statement prepare(const char* sql);
  std::size_t count(sqlite3_stmt* stmt);        // REQUIRES: mutex_ held

  std::mutex mutex_;
  std::unique_ptr<sqlite3, CloseDb> db_;  // destroyed last: after the statements
  Statement load_status_;                 // GUARDED_BY(mutex_), like the statements below
  Statement upsert_status_;
  Statement count_status_;
  Statement find_partner_;
  Statement count_partners_;
  bool created_ = false;
};

// The key of a message in the message_status table and in a retransmission cache: a hash of its
// bytes (UNH to UNT), written as 32 hex digits. A retransmission (the same bytes again) gets the
// same key. FNV-1a with 128 bits: not cryptographic (do not use it against an adversary), but
// with 128 bits two different messages share a key with probability about n^2 / 2^129 for n
// messages, 1e-21 for a billion.
[[nodiscard]] std::string message_key(std::string_view message);

// lessons/04-caching/schema.sql, as compiled in.
std::string_view schema_sql() noexcept;

}  // namespace EDI_IMPL
}  // namespace edi::caching
