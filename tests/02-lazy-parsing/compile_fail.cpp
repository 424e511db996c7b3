// Compile-fail test of the lifetime rules of lazy_segment.hpp (CTest label lesson02.compilefail,
// see CMakeLists.txt). EDI_MISUSE picks the code to compile:
//   0  the correct use, which must compile (the control: the file is fine but for the misuse)
//   1  a LazySegment over a temporary std::string, which must not compile
//   2  the tag of a temporary LazySegment, which must not compile
// Each misuse would otherwise leave a view into an object destroyed at the end of its statement.
#include <string>
#include <string_view>

#include "lazy_segment.hpp"

std::string load_segment() { return "BGM+220+PO-4711+9"; }

int main() {
#if EDI_MISUSE == 0
  const std::string text = load_segment();  // lives until the end of main
  const edi::lazy::LazySegment bgm(text);
  const std::string_view tag = bgm.tag();
  return tag == "BGM" && bgm.component(1, 0) == "PO-4711" ? 0 : 1;
#elif EDI_MISUSE == 1
  const edi::lazy::LazySegment bgm(load_segment());  // error: use of deleted function
  return bgm.component(1, 0) == "PO-4711" ? 0 : 1;
#elif EDI_MISUSE == 2
  const std::string text = load_segment();
  const std::string_view tag = edi::lazy::LazySegment(text).tag();  // error: use of deleted function
  return tag == "BGM" ? 0 : 1;
#else
#error "EDI_MISUSE must be 0, 1 or 2"
#endif
}
