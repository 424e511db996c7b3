// Internal: classifies 64 bytes at a time into bit masks of service characters.
//
// Bit i of a mask stands for byte i of the block. Finding the next segment terminator is then a
// count of trailing zeros, and counting separators is a popcount: the work per byte is a few
// vector compares, the work per segment a few bit operations. The release character is handled
// on the masks too (`escaped_bytes`), so a released terminator costs nothing extra.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edi::detail {

inline constexpr std::size_t kBlock = 64;

struct BlockMasks {
  std::uint64_t terminator = 0;
  std::uint64_t release = 0;
  std::uint64_t element = 0;
  std::uint64_t component = 0;  // component and repetition separators
};

// The characters to look for. When there is no repetition separator, `repetition` is set to
// `component` so that the extra compare adds nothing; when there is no release character the
// release mask is cleared by the caller.
struct ScanChars {
  char terminator;
  char release;
  char element;
  char component;
  char repetition;
};

// Classifies blocks for one set of characters; the character vectors are built once.
class Classifier {
 public:
  explicit Classifier(const ScanChars& c) noexcept
#if defined(__SSE2__)
      : t_(_mm_set1_epi8(c.terminator)),
        r_(_mm_set1_epi8(c.release)),
        e_(_mm_set1_epi8(c.element)),
        k_(_mm_set1_epi8(c.component)),
        p_(_mm_set1_epi8(c.repetition)) {
  }
#else
      : c_(c) {
  }
#endif

  // REQUIRES: 64 readable bytes at `block`.
  BlockMasks classify(const char* block) const noexcept {
    BlockMasks m;
#if defined(__SSE2__)
    for (int i = 0; i < 4; ++i) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
      const auto bits = [i](__m128i eq) {
        return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(eq))) << (16 * i);
      };
      m.terminator |= bits(_mm_cmpeq_epi8(v, t_));
      m.release |= bits(_mm_cmpeq_epi8(v, r_));
      m.element |= bits(_mm_cmpeq_epi8(v, e_));
      m.component |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, k_), _mm_cmpeq_epi8(v, p_)));
    }
#else
    for (std::size_t i = 0; i < kBlock; ++i) {
      const char b = block[i];
      const std::uint64_t bit = std::uint64_t{1} << i;
      if (b == c_.terminator) m.terminator |= bit;
      if (b == c_.release) m.release |= bit;
      if (b == c_.element) m.element |= bit;
      if (b == c_.component || b == c_.repetition) m.component |= bit;
    }
#endif
    return m;
  }

 private:
#if defined(__SSE2__)
  __m128i t_, r_, e_, k_, p_;
#else
  ScanChars c_;
#endif
};

// Is there a CR or LF in the first `n` bytes at `p`?  REQUIRES: n <= 16, 16 bytes readable.
inline bool has_line_break(const char* p, std::size_t n) noexcept {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned hits = static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')))));
  return (hits & ((1U << n) - 1)) != 0;
#else
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == '\r' || p[i] == '\n') return true;
  }
  return false;
#endif
}

// Number of `byte` in [p, p + n), 16 bytes per step.
inline std::size_t count_byte(const char* p, std::size_t n, char byte) noexcept {
  std::size_t count = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i b = _mm_set1_epi8(byte);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    count += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, b)))));
  }
#endif
  for (; i < n; ++i) count += p[i] == byte ? 1 : 0;
  return count;
}

// The bytes made literal by a release character: a byte is escaped when an odd-length run of
// release characters ends right before it ("?+" escapes '+', "??+" does not, "???+" does).
// `carry` is 1 when the previous block ended in such an odd run (so this block's first byte is
// escaped) and is updated for the next block. The method is the one simdjson uses for backslashes:
// the carry out of an addition tells runs that start on odd bits from runs that start on even bits.
inline std::uint64_t escaped_bytes(std::uint64_t release, std::uint64_t& carry) noexcept {
  if (release == 0) {
    const std::uint64_t escaped = carry;
    carry = 0;
    return escaped;
  }
  release &= ~carry;  // a release character released by the previous block is literal
  const std::uint64_t follows_release = (release << 1) | carry;
  constexpr std::uint64_t kEvenBits = 0x5555555555555555ULL;
  const std::uint64_t odd_starts = release & ~kEvenBits & ~follows_release;
  std::uint64_t even_run_ends = 0;
  carry = __builtin_add_overflow(odd_starts, release, &even_run_ends) ? 1 : 0;
  const std::uint64_t invert = even_run_ends << 1;
  return (kEvenBits ^ invert) & follows_release;
}

// Scalar reference of `escaped_bytes`, used by the tests.
inline std::uint64_t escaped_bytes_scalar(std::uint64_t release, std::uint64_t& carry) noexcept {
  std::uint64_t escaped = 0;
  bool pending = carry != 0;
  for (int i = 0; i < 64; ++i) {
    const bool is_release = (release >> i) & 1U;
    if (pending) {
      escaped |= std::uint64_t{1} << i;
      pending = false;
    } else if (is_release) {
      pending = true;
    }
  }
  carry = pending ? 1 : 0;
  return escaped;
}

}  // namespace edi::detail
