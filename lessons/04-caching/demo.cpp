// Lesson 04 demo (`make run LESSON=04`, or IMPL=solutions for the reference): the caches of the
// lesson on generated EDIFACT traffic and a real SQLite database, with measured numbers.
//
//   1. partner lookups (NAD GLNs) through an LruCache in front of the partners table
//   2. the same with a TtlCache: bounded staleness, paid for in database reads
//   3. retransmission dedup keyed by a content hash, and what the whole-message map costs
//   4. status writes: write-through against write-behind, into SQLite
//   5. two threads, 90% reads: one lock against 16 and 64 shards
//
// The database is lesson04.db next to this program (build/default/tests/04-caching/), created
// from lessons/04-caching/schema.sql on first use. EDI_DEMO_QUICK=1 makes every input small.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "edi/edi.hpp"
#include "lru_cache.hpp"
#include "sharded_cache.hpp"
#include "store.hpp"
#include "ttl_cache.hpp"
#include "write_cache.hpp"

namespace caching = edi::caching;
using Clock = std::chrono::steady_clock;

namespace {

const bool kQuick = std::getenv("EDI_DEMO_QUICK") != nullptr;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Runs one section; a stub says what it still lacks, and the tour goes on.
void section(const char* title, const std::function<void()>& body) {
  std::printf("\n== %s ==\n", title);
  try {
    body();
  } catch (const edi::NotImplemented& e) {
    std::printf("   %s (this part of the demo runs once it is implemented)\n", e.what());
  }
}

struct Traffic {
  std::string text;
  std::vector<std::string> partners;  // GLN of every NAD party, in order
  std::vector<std::string> products;  // GTIN of every LIN line item
  std::vector<edi::MessageInfo> messages;
  std::size_t duplicates = 0;
};

Traffic make_traffic(std::size_t messages, double duplicate_rate) {
  Traffic t;
  edi::GeneratorOptions options;
  options.seed = 2026;
  options.messages = messages;
  options.duplicate_rate = duplicate_rate;
  t.duplicates = edi::generate(options, [&](std::string_view piece) { t.text.append(piece); }).duplicates;
  edi::Tokenizer tokenizer(t.text);
  edi::RawSegment raw;
  edi::Segment segment;
  while (tokenizer.next(raw) == edi::Errc::ok) {
    if (raw.tag == "NAD" || raw.tag == "LIN") {
      edi::parse_segment(raw, segment);
      (raw.tag == "NAD" ? t.partners : t.products).emplace_back(segment.component(raw.tag == "NAD" ? 1 : 2, 0));
    }
  }
  t.messages = edi::split_messages(t.text);
  return t;
}

std::string_view message_bytes(const Traffic& t, const edi::MessageInfo& m) {
  return std::string_view(t.text).substr(m.begin, m.end - m.begin);
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one.empty() ? "unknown" : one + " (1 min), " + five + " (5 min)";
}

using Shared = std::shared_ptr<const caching::PartnerRecord>;

void partner_lru(caching::SqliteStore& db, const Traffic& t) {
  std::printf("   %zu partner lookups (one per NAD segment) over %zu messages\n", t.partners.size(), t.messages.size());
  auto start = Clock::now();
  std::size_t found = 0;
  for (const auto& gln : t.partners) found += db.find_partner(gln).has_value() ? 1 : 0;
  const double uncached = ms_since(start);
  std::printf("   no cache:      %6zu SQLite reads  %8.2f ms  (%zu partners found)\n", t.partners.size(), uncached, found);
  // The values are shared_ptr<const PartnerRecord>: a hit copies a pointer (one atomic
  // increment), not four strings, and a caller may keep the record after it is evicted.
  for (const std::size_t capacity : {8, 32, 128}) {
    caching::LruCache<std::string, Shared> cache(capacity);
    std::size_t reads = 0;
    start = Clock::now();
    for (const auto& gln : t.partners) {
      if (cache.get(gln)) continue;
      ++reads;
      if (auto p = db.find_partner(gln)) cache.put(gln, std::make_shared<const caching::PartnerRecord>(std::move(*p)));
    }
    const double ms = ms_since(start);
    std::printf("   LRU(%3zu):      %6zu SQLite reads  %8.2f ms  hit ratio %5.1f%%  evictions %llu  (%.1fx faster)\n",
                capacity, reads, ms, 100.0 * cache.stats().hit_ratio(),
                static_cast<unsigned long long>(cache.stats().evictions), uncached / ms);
  }
}

void partner_ttl(caching::SqliteStore& db, const Traffic& t) {
  // The lookups spread over 10 minutes of (simulated) time: a manual clock moves per lookup.
  caching::TimePoint now{};
  const auto step = std::chrono::duration_cast<caching::Duration>(std::chrono::minutes(10)) /
                    static_cast<long>(t.partners.size());
  std::printf("   the same lookups spread over 10 minutes; an address change is seen within the ttl\n");
  for (const auto ttl : {std::chrono::seconds(10), std::chrono::seconds(60), std::chrono::seconds(600)}) {
    caching::TtlCache<std::string, Shared> cache(256, ttl, [&now] { return now; });
    std::size_t reads = 0;
    for (const auto& gln : t.partners) {
      now += step;
      if (cache.get(gln)) continue;
      ++reads;
      if (auto p = db.find_partner(gln)) cache.put(gln, std::make_shared<const caching::PartnerRecord>(std::move(*p)));
    }
    const auto s = cache.stats();
    std::printf("   TTL %4llds:  %6zu SQLite reads  hit ratio %5.1f%%  expirations %6llu  entries held %zu\n",
                static_cast<long long>(ttl.count()), reads, 100.0 * s.hit_ratio(),
                static_cast<unsigned long long>(s.expirations), cache.size());
  }
}

void dedup(const Traffic& t) {
  std::printf("   %zu messages, of which the generator retransmitted %zu (byte for byte)\n", t.messages.size(),
              t.duplicates);
  std::vector<std::string> keys;
  keys.reserve(t.messages.size());
  auto start = Clock::now();
  for (const auto& m : t.messages) keys.push_back(caching::message_key(message_bytes(t, m)));
  std::printf("   message_key() of every message: %.2f ms (FNV-1a 128 over %zu bytes)\n", ms_since(start), t.text.size());
  for (const std::size_t capacity : {8, 32, 128, 512}) {
    caching::LruCache<std::string, bool> seen(capacity);
    std::size_t found = 0;
    for (const auto& key : keys) {
      if (seen.get(key)) {
        ++found;
      } else {
        seen.put(key, true);
      }
    }
    std::printf("   LRU(%3zu) of keys: %5zu retransmissions found (%5.1f%% of them)\n", capacity, found,
                t.duplicates == 0 ? 0.0 : 100.0 * static_cast<double>(found) / static_cast<double>(t.duplicates));
  }

  // Memory: the original course's cache, keyed by the whole message and never evicted, against
  // an LRU of 32-character keys.
  const std::size_t before = heap_in_use();
  {
    std::unordered_map<std::string, bool> whole;
    for (const auto& m : t.messages) whole.emplace(std::string(message_bytes(t, m)), true);
    const std::size_t whole_bytes = heap_in_use() - before;
    std::printf("   unbounded map keyed by the whole message: %zu entries, %.2f MB of heap (%zu bytes per entry), "
                "and it only grows\n",
                whole.size(), static_cast<double>(whole_bytes) / 1e6, whole_bytes / std::max<std::size_t>(whole.size(), 1));
  }
  const std::size_t before_lru = heap_in_use();
  {
    caching::LruCache<std::string, bool> seen(512);
    for (const auto& key : keys) {
      if (!seen.get(key)) seen.put(key, true);
    }
    const std::size_t lru_bytes = heap_in_use() - before_lru;
    std::printf("   LRU(512) keyed by message_key():           %zu entries, %.3f MB of heap (%zu bytes per entry), "
                "whatever the traffic\n",
                seen.size(), static_cast<double>(lru_bytes) / 1e6, lru_bytes / std::max<std::size_t>(seen.size(), 1));
  }
}

void status_writes(caching::SqliteStore& db, const Traffic& t) {
  std::vector<std::string> keys;
  for (const auto& m : t.messages) keys.push_back(caching::message_key(message_bytes(t, m)));
  const char* steps[] = {"received", "validated", "acknowledged"};
  const std::int64_t epoch = 1'764'240'000;
  std::printf("   %zu messages, 3 status updates each (received, validated, acknowledged): %zu puts\n", keys.size(),
              keys.size() * 3);

  auto start = Clock::now();
  {
    caching::WriteThroughCache cache(db, 4096);
    for (std::size_t s = 0; s < 3; ++s) {
      for (std::size_t i = 0; i < keys.size(); ++i) cache.put(keys[i], {steps[s], epoch + static_cast<std::int64_t>(i)});
    }
  }
  const double through = ms_since(start);
  std::printf("   write-through: %9.2f ms  (%zu SQLite transactions)\n", through, keys.size() * 3);

  start = Clock::now();
  caching::WriteBehindStats stats;
  {
    caching::WriteBehindCache cache(db);  // 256 keys or 50 ms per batch, a flusher thread
    for (std::size_t s = 0; s < 3; ++s) {
      for (std::size_t i = 0; i < keys.size(); ++i) {
        cache.put(keys[i], {steps[s], epoch + 100 + static_cast<std::int64_t>(i)});
      }
    }
    cache.flush();  // everything acknowledged is in the database now
    stats = cache.stats();
  }
  const double behind = ms_since(start);
  std::printf("   write-behind:  %9.2f ms  (SQLite transactions: %llu, rows per transaction: %.0f; %llu of %llu puts "
              "coalesced)\n",
              behind, static_cast<unsigned long long>(stats.batches),
              stats.batches == 0 ? 0.0 : static_cast<double>(stats.written) / static_cast<double>(stats.batches),
              static_cast<unsigned long long>(stats.coalesced), static_cast<unsigned long long>(stats.writes));
  std::printf("   write-behind was %.1fx faster; the database holds %zu message statuses\n", through / behind,
              db.status_count());
  if (!keys.empty()) {
    const auto row = db.load(keys.front());
    std::printf("   row of the first message: %s at %lld\n", row ? row->status.c_str() : "(missing)",
                row ? static_cast<long long>(row->updated_at) : 0LL);
  }
}

// One mutex around an LruCache: what most code starts with.
class SingleLockLru {
 public:
  explicit SingleLockLru(std::size_t capacity) : cache_(capacity) {}
  std::optional<std::uint64_t> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    return cache_.get(key);
  }
  void put(const std::string& key, std::uint64_t value) {
    std::lock_guard lock(mutex_);
    cache_.put(key, value);
  }

 private:
  std::mutex mutex_;
  caching::LruCache<std::string, std::uint64_t> cache_;
};

struct Op {
  std::uint32_t key;
  bool write;
};

template <class Cache>
double ops_per_second(Cache& cache, const std::vector<std::string>& keys, const std::vector<Op>& ops,
                      std::size_t ops_per_thread) {
  for (const Op& op : ops) {  // warm up as a read-through cache would: a miss puts the key
    if (!cache.get(keys[op.key])) cache.put(keys[op.key], op.key);
  }
  std::atomic<bool> go{false};
  std::exception_ptr errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load(std::memory_order_acquire)) {
      }
      try {
        std::size_t at = static_cast<std::size_t>(t) * 7'919;  // the threads start apart in the sequence
        for (std::size_t i = 0; i < ops_per_thread; ++i) {
          const Op& op = ops[at++ % ops.size()];
          if (op.write) {
            cache.put(keys[op.key], i);
          } else {
            (void)cache.get(keys[op.key]);
          }
        }
      } catch (...) {
        errors[t] = std::current_exception();  // a stub's NotImplemented: reported after join
      }
    });
  }
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : threads) th.join();
  const double seconds = ms_since(start) / 1000.0;
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return 2.0 * static_cast<double>(ops_per_thread) / seconds;
}

void contention() {
  // 20,000 product-like keys of 14 digits (no heap allocation per key) and a sequence of
  // operations drawn beforehand with the generator's skewed popularity: the timed loop does only
  // cache work.
  std::vector<std::string> keys;
  for (std::uint64_t i = 0; i < 20'000; ++i) keys.push_back(std::to_string(40'000'000'000'000ULL + i * 7'919));
  edi::SplitMix64 rng(90);
  std::vector<Op> ops(1 << 16);
  for (auto& op : ops) op = {static_cast<std::uint32_t>(rng.skewed(keys.size())), rng.below(10) == 0};
  const std::size_t per_thread = kQuick ? 200'000 : 5'000'000;
  std::printf("   2 threads x %zu operations, 90%% get / 10%% put, 20,000 keys (skewed), cache of 8,192\n", per_thread);
  std::printf("   load average now: %s on %u cores (other work on the machine lowers the parallel numbers)\n",
              load_average().c_str(), std::thread::hardware_concurrency());
  double single = 0;
  {
    SingleLockLru cache(8192);
    single = ops_per_second(cache, keys, ops, per_thread);
  }
  std::printf("   one mutex around an LruCache:      %6.2f M ops/s\n", single / 1e6);
  for (const std::size_t count : {16, 64}) {
    caching::ShardedCache<std::string, std::uint64_t> sharded(8192, count);
    const double shards = ops_per_second(sharded, keys, ops, per_thread);
    std::printf("   ShardedCache, %2zu shared_mutexes:  %6.2f M ops/s  (%.2fx)\n", count, shards / 1e6, shards / single);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("Lesson 04 demo: caching%s\n", kQuick ? " (EDI_DEMO_QUICK: small inputs)" : "");
  std::filesystem::path dir = argc > 0 ? std::filesystem::absolute(argv[0]).parent_path() : std::filesystem::path();
  if (dir.empty()) dir = std::filesystem::temp_directory_path();
  const std::string db_path = (dir / "lesson04.db").string();

  const Traffic traffic = make_traffic(kQuick ? 300 : 3000, 0.1);
  std::optional<caching::SqliteStore> db;
  try {
    db.emplace(db_path);
    std::printf("database: %s (%s; %zu partners, %zu message statuses)\n", db_path.c_str(),
                db->created() ? "just created from schema.sql" : "already there", db->partner_count(), db->status_count());
  } catch (const caching::StoreError& e) {
    std::printf("database: %s cannot be opened: %s\n", db_path.c_str(), e.what());
    return 1;
  }

  section("1. Partner lookups: an LRU cache in front of SQLite", [&] { partner_lru(*db, traffic); });
  section("2. Expiry: a TTL cache bounds how stale a partner can be", [&] { partner_ttl(*db, traffic); });
  section("3. Retransmissions: keyed by a content hash", [&] { dedup(traffic); });
  section("4. Status writes into SQLite: write-through vs write-behind", [&] { status_writes(*db, traffic); });
  section("5. Lock contention: one lock vs shards", [&] { contention(); });
  std::printf("\nmake check LESSON=04 grades the exercises; make bench LESSON=04 measures them side by side.\n");
  return 0;
}
