// Lesson 04: what the caches of this lesson share: their statistics and their clock.
//
//   edi::caching::LruCache<std::string, int> cache(2);
//   cache.get("a");                          // a miss
//   cache.put("a", 1);
//   cache.get("a");                          // a hit
//   edi::caching::CacheStats s = cache.stats();
//   // s.hits == 1, s.misses == 1, s.hit_ratio() == 0.5
//
//   // The clock is a function, so tests can put a fake one in (see TtlCache):
//   edi::caching::NowFunction now = edi::caching::steady_now();
//   edi::caching::TimePoint t = now();
//
// Provided code: not an exercise. Both exercises/ and solutions/ hold the same file.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace edi::caching {
// The build names this namespace after the implementation (exercises, solutions or a mutant), so
// one benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {

// What a cache counts. Each cache documents which of its calls count what.
struct CacheStats {
  std::uint64_t hits = 0;         // lookups that found a live entry
  std::uint64_t misses = 0;       // lookups that did not
  std::uint64_t evictions = 0;    // entries removed to make room for another key
  std::uint64_t expirations = 0;  // entries removed because their time to live ran out

  // hits / (hits + misses); 0 before the first lookup.
  double hit_ratio() const noexcept {
    const std::uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  }
  friend bool operator==(const CacheStats&, const CacheStats&) = default;
};

// Time, for the caches that need it. A steady clock never jumps back when someone sets the date,
// so "now - written_at" is always a real age.
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = SteadyClock::duration;

// Where a cache reads the time. Production code passes steady_now(); tests pass a fake clock they
// move by hand, so an expiry is checked at an exact instant without sleeping.
// REQUIRES of every NowFunction: the times it returns never decrease; it is safe to call from any
// thread when the cache using it runs threads of its own (WriteBehindCache).
using NowFunction = std::function<TimePoint()>;

// The real clock. (A lambda rather than &SteadyClock::now: the standard does not promise that the
// address of a standard library function can be taken.)
inline NowFunction steady_now() {
  return [] { return SteadyClock::now(); };
}

}  // namespace EDI_IMPL
}  // namespace edi::caching
