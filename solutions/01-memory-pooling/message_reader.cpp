#include "message_reader.hpp"

#include <utility>

#include "edi/segment.hpp"

namespace edi::pooling {
inline namespace EDI_IMPL {
namespace {

// A segment that cannot be part of an open message: the message ends before it.
bool ends_open_message(const Tag& tag) noexcept {
  return tag == "UNH" || tag == "UNB" || tag == "UNG" || tag == "UNE" || tag == "UNZ";
}

}  // namespace

PooledMessageReader::PooledMessageReader(SegmentPool& pool, std::string_view interchange)
    : pool_(pool), tokenizer_(interchange) {}

PooledMessageReader::~PooledMessageReader() { release_unit(); }

void PooledMessageReader::release_unit() noexcept {
  // The last one first: the pool hands out the last released first, so the next unit gets the
  // same segments in the same order, position by position. (vector::clear() would release the
  // first one first.)
  while (!unit_.empty()) unit_.pop_back();
}

void PooledMessageReader::reset(std::string_view interchange) {
  release_unit();
  carried_.reset();
  tokenizer_ = Tokenizer(interchange);
  in_message_ = false;
  status_ = Errc::ok;
  error_offset_ = 0;
}

bool PooledMessageReader::next() {
  release_unit();
  in_message_ = false;
  if (carried_) {
    in_message_ = carried_->tag() == "UNH";
    unit_.push_back(std::move(carried_));
    if (!in_message_) return true;
  }
  if (status_ != Errc::ok) return !unit_.empty();

  while (true) {
    const Errc rc = tokenizer_.next(raw_);
    if (rc != Errc::ok) {
      status_ = rc;
      if (rc != Errc::end_of_input) error_offset_ = tokenizer_.error_offset();
      return !unit_.empty();  // what was read of an unfinished unit is still delivered
    }
    if (in_message_ && ends_open_message(raw_.tag)) {
      // An unterminated message: it ends here, and this segment starts the next unit.
      carried_ = pool_.acquire();
      parse_segment(raw_, *carried_);
      return true;
    }
    unit_.push_back(pool_.acquire());
    parse_segment(raw_, *unit_.back());  // reuses the segment's buffers
    if (unit_.size() == 1) {
      in_message_ = raw_.tag == "UNH";
      if (!in_message_) return true;  // a segment outside messages is a unit of its own
    } else if (raw_.tag == "UNT") {
      return true;
    }
  }
}

}  // namespace EDI_IMPL
}  // namespace edi::pooling
