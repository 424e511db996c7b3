// Inputs shared by the benchmarks of lesson 04 (cache_bench.cpp, compiled once per
// implementation, and baseline_bench.cpp): keys, access sequences and a scratch database file.
// Everything is deterministic (SplitMix64) and built once, outside the timed loops.
// EDI_BENCH_BYTES (set by the self-test's smoke run) shrinks every input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "edi/generator.hpp"

namespace edi::caching::bench {

inline bool smoke() { return std::getenv("EDI_BENCH_BYTES") != nullptr; }

// GTIN-like product keys: 14 digits, short enough for std::string's small buffer (no heap).
inline std::vector<std::string> product_keys(std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string digits = std::to_string(400'000'000'000ULL + i * 7'919ULL);
    keys.push_back("40" + digits.substr(digits.size() - 12));
  }
  return keys;
}

// Lookups of the get/put benchmarks: 10,000 keys, 65,536 uniformly random accesses.
struct PointLoad {
  std::vector<std::string> keys;
  std::vector<std::uint32_t> sequence;  // indices into keys; size is a power of two
};
inline const PointLoad& point_load() {
  static const PointLoad load = [] {
    PointLoad l;
    l.keys = product_keys(smoke() ? 1'000 : 10'000);
    SplitMix64 rng(4);
    l.sequence.resize(1 << 16);
    for (auto& i : l.sequence) i = static_cast<std::uint32_t>(rng.below(l.keys.size()));
    return l;
  }();
  return load;
}

// The contention benchmark: 90% gets and 10% puts over 20,000 keys with the generator's skewed
// popularity, into a cache of 8,192 entries.
struct MixedLoad {
  struct Op {
    std::uint32_t key;
    bool write;
  };
  std::vector<std::string> keys;
  std::vector<Op> ops;  // size is a power of two
  std::size_t capacity = 0;
};
inline const MixedLoad& mixed_load() {
  static const MixedLoad load = [] {
    MixedLoad l;
    l.keys = product_keys(smoke() ? 2'000 : 20'000);
    l.capacity = smoke() ? 1'024 : 8'192;
    SplitMix64 rng(90);
    l.ops.resize(1 << 16);
    for (auto& op : l.ops) op = {static_cast<std::uint32_t>(rng.skewed(l.keys.size())), rng.below(10) == 0};
    return l;
  }();
  return load;
}

// A database file in the temporary directory (never the source tree), removed afterwards with
// its WAL files.
class TempDatabase {
 public:
  explicit TempDatabase(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("edi-lesson04-" + std::to_string(::getpid()) + "-" + name + ".db")) {
    remove();
  }
  ~TempDatabase() { remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  std::string path() const { return path_.string(); }

 private:
  void remove() noexcept {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path_.string() + suffix, ec);
  }
  std::filesystem::path path_;
};

}  // namespace edi::caching::bench
