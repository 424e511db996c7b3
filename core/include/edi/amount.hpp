// Monetary amounts as exact fixed-point numbers, so totals do not depend on summation order.
//
//   edi::Amount a, b;
//   edi::parse_amount("1202.58", '.', a);   // true; a.units == 12025800
//   edi::parse_amount("410", '.', b);       // true
//   edi::to_string(a + b);                  // "1612.58"
//   edi::parse_amount("12,5", ',', a);      // true: the decimal mark comes from the UNA
//   edi::parse_amount("12.34567", '.', a);  // false: more than four decimals
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edi {

struct Amount {
  static constexpr std::int64_t kScale = 10'000;  // four decimals
  std::int64_t units = 0;

  friend constexpr Amount operator+(Amount a, Amount b) noexcept { return Amount{a.units + b.units}; }
  constexpr Amount& operator+=(Amount other) noexcept {
    units += other.units;
    return *this;
  }
  friend constexpr auto operator<=>(const Amount&, const Amount&) = default;
};

// Parses an optional '-', digits, and at most four decimals after `decimal_mark`. At least one
// digit; at most 14 integer digits. Returns false (and leaves `out` alone) for anything else.
[[nodiscard]] bool parse_amount(std::string_view text, char decimal_mark, Amount& out) noexcept;

// At least two decimals, more only when needed: "1612.58", "1.179", "-3.00".
[[nodiscard]] std::string to_string(Amount amount);

}  // namespace edi
