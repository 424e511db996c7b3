// Compile-fail test of the core's [[nodiscard]] contracts (CTest label core, see CMakeLists.txt):
// the hot path reports input errors only as an edi::Errc, so a call that drops one must not
// compile. EDI_MISUSE picks the code to compile:
//   0  the correct uses, which must compile (the control: the file is fine but for the misuse)
//   1  Tokenizer::next() with its Errc ignored, which must not compile
//   2  parse_una() with its Errc ignored, which must not compile: the function carries no
//      attribute of its own, the check comes from the type (enum class [[nodiscard]] Errc)
//   3  parse_amount() with its bool ignored, which must not compile
#include <string_view>

#include "edi/edi.hpp"

// A discarded [[nodiscard]] result must fail this file whatever EDI_WERROR says.
#pragma GCC diagnostic error "-Wunused-result"

int main() {
  constexpr std::string_view input = "UNA:+.? 'UNB+UNOC:3+A+B+261127:1200+1'UNZ+0+1'";
  edi::Tokenizer tok(input);
  edi::RawSegment seg;
  edi::ServiceChars chars;
  edi::Amount amount;
#if EDI_MISUSE == 0
  int segments = 0;
  while (tok.next(seg) == edi::Errc::ok) ++segments;
  const bool una_ok = edi::parse_una(input, chars) == edi::Errc::ok;
  const bool amount_ok = edi::parse_amount("1202.58", chars.decimal, amount);
  return segments == 2 && una_ok && amount_ok ? 0 : 1;
#elif EDI_MISUSE == 1
  tok.next(seg);  // error: ignoring returned value of type 'edi::Errc', declared with attribute 'nodiscard'
  return seg.tag == "UNB" ? 0 : 1;
#elif EDI_MISUSE == 2
  edi::parse_una(input, chars);  // error: ignoring returned value of type 'edi::Errc'
  return chars.element == '+' ? 0 : 1;
#elif EDI_MISUSE == 3
  edi::parse_amount("1202.58", chars.decimal, amount);  // error: ignoring return value, 'nodiscard'
  return amount.units == 12'025'800 ? 0 : 1;
#else
#error "EDI_MISUSE must be 0 to 3"
#endif
}
