// A dangling view, on purpose: the program of the lesson text's "string_view lifetime pitfalls".
// It is not a test. Build and run it (it is built with AddressSanitizer whatever the build type):
//   cmake --build build/default --target lesson02_dangling_view
//   build/default/tests/02-lazy-parsing/lesson02_dangling_view
// ASan stops it with "heap-use-after-free" and three stacks: the bad read, where the buffer was
// freed (the end of first_order_number's `text`), and where it was allocated.
#include <cstdio>
#include <string>

#include "edi/edi.hpp"
#include "lazy_segment.hpp"

namespace {

// Stands for reading a message from a file or a queue: a fresh, owning buffer each call.
std::string load_message() {
  edi::GeneratorOptions opt;
  opt.seed = 42;
  opt.messages = 1;
  return edi::generate(opt);
}

// BUG: returns a view of the BGM segment of `text`, a local that is destroyed on return. It
// compiles: `text` is an lvalue, so the deleted overloads cannot see that it dies first.
edi::lazy::LazySegment first_bgm() {
  const std::string text = load_message();
  edi::Tokenizer tok(text);
  edi::RawSegment raw;
  while (tok.next(raw) == edi::Errc::ok) {
    if (raw.tag == "BGM") return edi::lazy::LazySegment(raw);
  }
  return {};
}

}  // namespace

int main() {
  const edi::lazy::LazySegment bgm = first_bgm();     // the tag is a copy and still fine...
  std::printf("tag %.*s\n", static_cast<int>(bgm.tag().size()), bgm.tag().data());
  std::fflush(stdout);  // ASan ends the program at the bad read: print what came before it
  const std::string_view number = bgm.component(1, 0);  // ...the data is not: `text` is gone
  std::printf("document number %.*s\n", static_cast<int>(number.size()), number.data());
  return 0;
}
