// Profiling workload of lesson 04 (`make profile LESSON=04`): the lookups generated traffic asks
// of its caches, replayed for a few seconds of CPU so the 250 Hz sampler gets hundreds of
// samples. Products (GTINs) go through an LruCache and a ShardedCache, partners (GLNs) through a
// TtlCache (500 ms) on a clock that advances 1 ms per lookup, message keys through a retransmission
// LruCache and a WriteBehindCache over an in-memory store. `workload04_IMPL quick` is a short run
// (the heap profile, the leak check). Prints what it computed, so nothing is optimized away.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "lru_cache.hpp"
#include "sharded_cache.hpp"
#include "store.hpp"
#include "traffic.hpp"
#include "ttl_cache.hpp"
#include "write_cache.hpp"

namespace caching = edi::caching;

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const int rounds = quick ? 1 : 1000;
  const caching::test::Traffic t = caching::test::traffic(quick ? 300 : 2'000, 9, 0.1);

  caching::CacheStats lru, sharded, ttl, dedup;
  std::uint64_t written = 0;
  try {
    for (int round = 0; round < rounds; ++round) {
      caching::LruCache<std::string, std::uint64_t> products(512);
      caching::ShardedCache<std::string, std::uint64_t> shards(512, 8);
      for (std::size_t i = 0; i < t.products.size(); ++i) {
        if (!products.get(t.products[i])) products.put(t.products[i], i);
        if (!shards.get(t.products[i])) shards.put(t.products[i], i);
      }
      caching::TimePoint now{};
      caching::TtlCache<std::string, std::uint64_t> partners(256, std::chrono::milliseconds(500), [&now] { return now; });
      for (std::size_t i = 0; i < t.partners.size(); ++i) {
        now += std::chrono::milliseconds(1);
        if (!partners.get(t.partners[i])) partners.put(t.partners[i], i);
      }
      caching::LruCache<std::string, bool> seen(128);
      caching::MemoryStatusStore store;
      caching::WriteBehindOptions options;
      options.background = false;
      caching::WriteBehindCache statuses(store, options);
      for (std::size_t i = 0; i < t.messages.size(); ++i) {
        const bool duplicate = seen.get(t.messages[i]).has_value();
        if (!duplicate) seen.put(t.messages[i], true);
        statuses.put(t.messages[i], caching::MessageStatus{duplicate ? "duplicate" : "received", static_cast<std::int64_t>(i)});
        statuses.put(t.messages[i], caching::MessageStatus{"acknowledged", static_cast<std::int64_t>(i)});
        statuses.flush_if_due();
      }
      statuses.flush();
      written += store.rows_written();
      lru = products.stats();
      sharded = shards.stats();
      ttl = partners.stats();
      dedup = seen.stats();
    }
  } catch (const edi::NotImplemented& e) {
    std::fprintf(stderr, "workload: %s\n", e.what());
    return 1;
  }
  std::printf("%d rounds over %zu product, %zu partner and %zu message lookups (%zu bytes of traffic)\n", rounds,
              t.products.size(), t.partners.size(), t.messages.size(), t.bytes);
  std::printf("hit ratios: products LRU(512) %.3f, CLOCK(512, 8 shards) %.3f; partners TTL(256, 500 ms) %.3f "
              "(%llu expirations); retransmissions found %llu of %zu; status rows written %llu\n",
              lru.hit_ratio(), sharded.hit_ratio(), ttl.hit_ratio(), static_cast<unsigned long long>(ttl.expirations),
              static_cast<unsigned long long>(dedup.hits), t.duplicates, static_cast<unsigned long long>(written));
  return 0;
}
