// A deterministic generator of valid interchanges: the workbook's test and benchmark input.
//
//   edi::GeneratorOptions opt;
//   opt.seed = 7;
//   opt.messages = 100;                     // or opt.target_bytes = 32 << 20
//   std::string text = edi::generate(opt);  // same seed and options: same bytes, on any platform
//
// Messages are ORDERS, INVOIC, DESADV and IFTSTA with the segments real ones carry (BGM, DTM, NAD
// with GLNs, LIN/QTY/PRI/MOA line items, TAX, UNS, CNT, FTX free text...), composites, released
// service characters in free text (including a value ending in '?', written "??'"), correct UNT,
// UNE and UNZ counts and references. Syntax 4 adds repetitions ('*'). Trading partners and products
// are drawn with a skewed (Zipf-like) popularity, as in real traffic.
//
// Thread-safe: generate() keeps no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "edi/amount.hpp"

namespace edi {

// splitmix64: small, fast, and the same sequence on every platform (unlike the distributions of
// <random>, whose results are implementation-defined).
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  constexpr std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound).  REQUIRES: bound > 0.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }
  // Skewed towards small values (a few popular partners and products, a long tail), with
  // integer arithmetic only.  REQUIRES: bound > 0.
  std::uint64_t skewed(std::uint64_t bound) noexcept;

 private:
  std::uint64_t state_;
};

enum class Layout : std::uint8_t {
  lf,        // a line break after every segment
  crlf,      // CR LF after every segment
  one_line,  // no line breaks at all
};

struct GeneratorOptions {
  std::uint64_t seed = 1;
  std::size_t messages = 100;        // used when target_bytes == 0 (at least 1)
  std::size_t target_bytes = 0;      // when non-zero: stop at the first message boundary past it
                                     // (at least one message is written)
  int syntax = 3;                    // 3, or 4 for UNOC:4 with repetitions
  Layout layout = Layout::lf;
  std::size_t messages_per_interchange = 500;
  bool groups = false;               // wrap each interchange's messages in one UNG..UNE group
  // Fraction (0..1) of messages that are byte-for-byte retransmissions of an earlier message.
  double duplicate_rate = 0.0;
};

// A trading partner of the generated traffic (the master data lessons 04 and 07 cache).
struct Partner {
  std::string_view gln;      // 13-digit Global Location Number with a valid check digit
  std::string_view name;
  std::string_view city;
  std::string_view country;  // ISO 3166 alpha-2
};
// The partners the generator draws from, always the same list.
std::span<const Partner> partners();

// What was generated, for tests and reports.
struct GeneratedSummary {
  std::size_t bytes = 0;
  std::size_t interchanges = 0;
  std::size_t messages = 0;
  std::size_t segments = 0;
  std::size_t duplicates = 0;
  Amount invoice_total;      // sum of MOA+77 over INVOIC messages (duplicates included)
};

// Writes the interchange to `sink` in pieces of about 1 MiB (for files larger than memory).
GeneratedSummary generate(const GeneratorOptions& options, const std::function<void(std::string_view)>& sink);
// The whole interchange as one string.
[[nodiscard]] std::string generate(const GeneratorOptions& options);

}  // namespace edi
