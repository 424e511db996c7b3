// Lesson 00 warm-up. Replace each FIXME with an implementation; `make check LESSON=00` grades
// them, `make hint LESSON=00` helps. The contract of each function is in warmup.hpp.
//
// Useful parts of the core (see docs/edifact.md):
//   edi::Tokenizer tok(text); edi::RawSegment seg; while (tok.next(seg) == edi::Errc::ok) {...}
//   seg.tag == "UNH"                   a segment's tag
//   edi::message_type(seg)             "ORDERS" from a UNH segment        (edi/stats.hpp)
//   edi::parse_segment(seg, segment)   unescaped values: segment.component(0, 1)
//   edi::parse_amount(text, seg.chars.decimal, amount)                   (edi/amount.hpp)
#include "warmup.hpp"

#include "edi/error.hpp"
#include "edi/segment.hpp"
#include "edi/stats.hpp"
#include "edi/tokenizer.hpp"

namespace edi::warmup {
inline namespace EDI_IMPL {

std::size_t count_segments(std::string_view interchange) {
  // FIXME: tokenize `interchange` and count the segments (the tokenizer never returns the UNA).
  (void)interchange;
  throw NotImplemented("warmup::count_segments");
}

std::map<std::string, std::size_t, std::less<>> count_messages_by_type(std::string_view interchange) {
  // FIXME: count the UNH segments per message type.
  (void)interchange;
  throw NotImplemented("warmup::count_messages_by_type");
}

Amount invoice_total(std::string_view interchange) {
  // FIXME: sum MOA+77 inside INVOIC messages (from UNH to UNT), with the interchange's decimal mark.
  (void)interchange;
  throw NotImplemented("warmup::invoice_total");
}

}  // namespace EDI_IMPL
}  // namespace edi::warmup
