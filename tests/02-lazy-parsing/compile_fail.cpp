// Compile-fail test of the lifetime rules of lazy_segment.hpp (CTest label lesson02.compilefail,
// see CMakeLists.txt). EDI_MISUSE picks the code to compile:
//   0  the correct use, which must compile (the control: the file is fine but for the misuse)
//   1  a LazySegment over a temporary std::string, which must not compile
//   2  the tag of a temporary LazySegment, which must not compile
//   3  component() with its result ignored, which must not compile
//   4  unescape() into a scratch string with its result ignored, which must not compile
// Misuses 1 and 2 would otherwise leave a view into an object destroyed at the end of its
// statement. Misuses 3 and 4 drop a [[nodiscard]] result; 4 is the dangerous one: a value without
// a release character is returned as the raw view itself and `scratch` is left untouched, so
// reading `scratch` instead of the result reads an old value or nothing.
#include <string>
#include <string_view>

#include "lazy_segment.hpp"

// A discarded [[nodiscard]] result must fail this file whatever EDI_WERROR says.
#pragma GCC diagnostic error "-Wunused-result"

std::string load_segment() { return "BGM+220+PO-4711+9"; }

int main() {
#if EDI_MISUSE == 0
  const std::string text = load_segment();  // lives until the end of main
  const edi::lazy::LazySegment bgm(text);
  const std::string_view tag = bgm.tag();
  std::string scratch;
  const std::string_view value = edi::lazy::unescape(bgm.component(1, 0), bgm.chars(), scratch);
  return tag == "BGM" && value == "PO-4711" ? 0 : 1;
#elif EDI_MISUSE == 1
  const edi::lazy::LazySegment bgm(load_segment());  // error: use of deleted function
  return bgm.component(1, 0) == "PO-4711" ? 0 : 1;
#elif EDI_MISUSE == 2
  const std::string text = load_segment();
  const std::string_view tag = edi::lazy::LazySegment(text).tag();  // error: use of deleted function
  return tag == "BGM" ? 0 : 1;
#elif EDI_MISUSE == 3
  const std::string text = load_segment();
  const edi::lazy::LazySegment bgm(text);
  bgm.component(1, 0);  // error: ignoring return value, declared with attribute 'nodiscard'
  return 0;
#elif EDI_MISUSE == 4
  const std::string text = load_segment();
  const edi::lazy::LazySegment bgm(text);
  std::string scratch;
  edi::lazy::unescape(bgm.component(1, 0), bgm.chars(), scratch);  // error: ignoring return value
  return scratch == "PO-4711" ? 0 : 1;
#else
#error "EDI_MISUSE must be 0 to 4"
#endif
}
