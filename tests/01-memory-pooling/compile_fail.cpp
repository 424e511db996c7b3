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
//   5  StringInterner::find() with its result ignored, which must not compile
//   6  PooledMessageReader::next() with its result ignored, which must not compile
// Each of misuses 1-4 would otherwise leave the reader's segments pointing into a string destroyed
// at the end of its statement. Misuses 5 and 6 drop the only answer a call gives ([[nodiscard]]):
// a lookup whose result nobody reads, a reader advanced without asking whether a unit came.
#include <string>
#include <string_view>

#include "message_reader.hpp"
#include "segment_pool.hpp"
#include "string_interner.hpp"

// A discarded [[nodiscard]] result must fail this file whatever EDI_WERROR says.
#pragma GCC diagnostic error "-Wunused-result"

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
  edi::pooling::StringInterner names;
  const std::string_view nad = names.intern("NAD");
  return units == 4 && names.find("NAD") == 0u && nad == "NAD" ? 0 : 1;
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
#elif EDI_MISUSE == 5
  edi::pooling::StringInterner names;
  const std::string_view nad = names.intern("NAD");
  names.find(nad);  // error: ignoring return value, declared with attribute 'nodiscard'
  return 0;
#elif EDI_MISUSE == 6
  const std::string text = load_interchange();
  edi::pooling::PooledMessageReader reader(pool, text);
  reader.next();  // error: ignoring return value, declared with attribute 'nodiscard'
  return reader.segments().empty() ? 1 : 0;
#else
#error "EDI_MISUSE must be 0 to 6"
#endif
}
