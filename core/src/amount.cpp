#include "edi/amount.hpp"

#include <cstdlib>

namespace edi {

bool parse_amount(std::string_view text, char decimal_mark, Amount& out) noexcept {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  std::int64_t whole = 0;
  std::size_t i = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    if (digits == 14) return false;
    whole = whole * 10 + (text[i] - '0');
  }
  std::int64_t fraction = 0;
  std::int64_t scale = Amount::kScale;
  if (i < text.size()) {
    if (text[i] != decimal_mark) return false;
    for (++i; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || scale == 1) return false;
      scale /= 10;
      fraction += (text[i] - '0') * scale;
      ++digits;
    }
  }
  if (digits == 0) return false;
  const std::int64_t units = whole * Amount::kScale + fraction;
  out.units = negative ? -units : units;
  return true;
}

std::string to_string(Amount amount) {
  const bool negative = amount.units < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(amount.units)
                                           : static_cast<std::uint64_t>(amount.units);
  const auto scale = static_cast<std::uint64_t>(Amount::kScale);
  std::string fraction = std::to_string(magnitude % scale + scale).substr(1);  // four digits
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + std::to_string(magnitude / scale) + "." + fraction;
}

}  // namespace edi
