// Compile-fail test of the lifetime rule of message_reader.hpp (CTest label lesson01.compilefail,
// see CMakeLists.txt): the input buffer must outlive the reader. EDI_MISUSE picks the code to
// compile:
//   0  the correct uses, which must compile (the control: the file is fine but for the misuse):
//      a std::string lvalue, a string literal (it lives as long as the program) and a
//      std::string_view of a live buffer, given to the constructor and to reset()
//   1  a reader over a temporary std::string, which must not compile
//   2  a reader over a const std::string rvalue, which must not compile
//   3  reset() to a temporary std::string, which must not compile
//   4  reset() to a const std::string rvalue, which must not compile
// Each misuse would otherwise leave the reader's segments pointing into a string destroyed at
// the end of its statement.
#include <string>
#include <string_view>

#include "message_reader.hpp"
#include "segment_pool.hpp"

namespace {

[[maybe_unused]] std::string load_interchange() { return "UNH+1+ORDERS:D:96A:UN'BGM+220+PO-4711+9'UNT+3+1'"; }
[[maybe_unused]] const std::string load_const_interchange() { return load_interchange(); }

}  // namespace

int main() {
  edi::pooling::SegmentPool pool;
#if EDI_MISUSE == 0
  const std::string text = load_interchange();  // lives until the end of main
  edi::pooling::PooledMessageReader reader(pool, text);
  std::size_t units = 0;
  while (reader.next()) ++units;
  edi::pooling::PooledMessageReader literal(pool, "UNH+1+ORDERS:D:96A:UN'UNT+2+1'");
  while (literal.next()) ++units;
  reader.reset("UNZ+1+1'");
  while (reader.next()) ++units;
  reader.reset(std::string_view(text).substr(0, text.find("BGM")));
  while (reader.next()) ++units;
  return units == 4 ? 0 : 1;
#elif EDI_MISUSE == 1
  edi::pooling::PooledMessageReader reader(pool, load_interchange());  // error: use of deleted function
  return reader.next() ? 0 : 1;
#elif EDI_MISUSE == 2
  edi::pooling::PooledMessageReader reader(pool, load_const_interchange());  // error: use of deleted function
  return reader.next() ? 0 : 1;
#elif EDI_MISUSE == 3
  const std::string text = load_interchange();
  edi::pooling::PooledMessageReader reader(pool, text);
  reader.reset(load_interchange());  // error: use of deleted function
  return reader.next() ? 0 : 1;
#elif EDI_MISUSE == 4
  const std::string text = load_interchange();
  edi::pooling::PooledMessageReader reader(pool, text);
  reader.reset(load_const_interchange());  // error: use of deleted function
  return reader.next() ? 0 : 1;
#else
#error "EDI_MISUSE must be 0, 1, 2, 3 or 4"
#endif
}
