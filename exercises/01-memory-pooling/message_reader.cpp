// Lesson 01: PooledMessageReader, the pooled parse path. Replace each FIXME; the contract (units,
// release order, errors) is in message_reader.hpp.
//
// Useful parts of the core:
//   tokenizer_.next(raw_)            Errc::ok, Errc::end_of_input, or an input error
//   tokenizer_.error_offset()        where the error is
//   raw_.tag == "UNH"                a segment's tag
//   edi::parse_segment(raw_, seg)    fills a Segment, reusing its buffers
#include "message_reader.hpp"

#include "edi/error.hpp"
#include "edi/segment.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {

PooledMessageReader::PooledMessageReader(SegmentPool& pool, std::string_view interchange)
    : pool_(pool), tokenizer_(interchange) {
  // FIXME: anything else to set up?
  throw NotImplemented("PooledMessageReader::PooledMessageReader");
}

PooledMessageReader::~PooledMessageReader() {
  // FIXME: give back what the reader holds.
}

bool PooledMessageReader::next() {
  // FIXME: give the current unit back (the last segment first), then read the next unit: a
  // message from UNH to UNT, or one segment outside messages. A message without UNT ends before
  // the next UNH, UNB, UNG, UNE or UNZ, which then starts the next unit.
  throw NotImplemented("PooledMessageReader::next");
}

void PooledMessageReader::reset(std::string_view interchange) {
  // FIXME: give everything back and start over on `interchange`, keeping the unit list's capacity.
  (void)interchange;
  throw NotImplemented("PooledMessageReader::reset");
}

void PooledMessageReader::release_unit() noexcept {
  // FIXME: give the unit's segments back, the last one first.
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
