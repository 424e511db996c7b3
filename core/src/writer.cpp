#include "edi/writer.hpp"

#include <stdexcept>

namespace edi {

void Writer::write_una() {
  out_ += una_string(chars_);
  out_ += newline_;
  una_written_ = true;
}

void Writer::write_value(std::string_view value) {
  std::size_t plain = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!chars_.needs_release(value[i])) continue;
    if (!chars_.has_release()) {
      throw std::invalid_argument("value '" + std::string(value) + "' holds service character '" + value[i] +
                                  "' and the interchange has no release character");
    }
    out_.append(value, plain, i - plain);
    out_ += chars_.release;
    plain = i;
  }
  out_.append(value, plain);
}

void Writer::write(const Segment& segment) {
  const std::size_t rollback = out_.size();
  try {
    out_ += segment.tag();
    for (std::size_t e = 0; e < segment.element_count(); ++e) {
      out_ += chars_.element;
      for (std::size_t r = 0; r < segment.repetition_count(e); ++r) {
        if (r > 0) {
          if (!chars_.has_repetition()) {
            throw std::invalid_argument("segment " + std::string(segment.tag()) +
                                        " has repetitions and the interchange has no repetition separator");
          }
          out_ += chars_.repetition;
        }
        for (std::size_t k = 0; k < segment.component_count(e, r); ++k) {
          if (k > 0) out_ += chars_.component;
          write_value(segment.component(e, k, r));
        }
      }
    }
    out_ += chars_.terminator;
    out_ += newline_;
  } catch (...) {
    out_.resize(rollback);
    throw;
  }
  // The reader's rule (Tokenizer::after_unb): without a UNA, UNB's syntax version picks the
  // repetition separator for the segments after it.
  const std::string_view version = segment.component(0, 1);
  if (!una_written_ && segment.tag() == "UNB" && version.size() == 1 && version[0] >= '1' && version[0] <= '9') {
    chars_.repetition = ServiceChars::defaults(version[0] - '0').repetition;
  }
}

}  // namespace edi
