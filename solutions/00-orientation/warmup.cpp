#include "warmup.hpp"

#include "edi/segment.hpp"
#include "edi/stats.hpp"
#include "edi/tokenizer.hpp"

namespace edi::warmup {
inline namespace EDI_IMPL {

std::size_t count_segments(std::string_view interchange) {
  // The tokenizer consumes the UNA itself and hands out only segments.
  Tokenizer tok(interchange);
  RawSegment seg;
  std::size_t n = 0;
  while (tok.next(seg) == Errc::ok) ++n;
  return n;
}

std::map<std::string, std::size_t, std::less<>> count_messages_by_type(std::string_view interchange) {
  std::map<std::string, std::size_t, std::less<>> counts;
  Tokenizer tok(interchange);
  RawSegment seg;
  while (tok.next(seg) == Errc::ok) {
    if (seg.tag == "UNH") ++counts[edi::message_type(seg)];
  }
  return counts;
}

Amount invoice_total(std::string_view interchange) {
  Amount total;
  Tokenizer tok(interchange);
  RawSegment raw;
  Segment seg;  // reused: parse_segment keeps its buffers
  bool in_invoice = false;
  while (tok.next(raw) == Errc::ok) {
    if (raw.tag == "UNH") {
      in_invoice = edi::message_type(raw) == "INVOIC";
    } else if (raw.tag == "UNT") {
      in_invoice = false;
    } else if (in_invoice && raw.tag == "MOA") {
      parse_segment(raw, seg);
      Amount amount;
      if (seg.component(0, 0) == "77" && parse_amount(seg.component(0, 1), raw.chars.decimal, amount)) {
        total += amount;
      }
    }
  }
  return total;
}

}  // namespace EDI_IMPL
}  // namespace edi::warmup
