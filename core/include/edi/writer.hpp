// Writes segments back to EDIFACT text, releasing service characters inside values.
//
//   std::string out;
//   edi::Writer w(out);                       // default characters, a line break after each segment
//   w.write_una();                            // "UNA:+.? '\n"
//   w.write(edi::Segment::make("FTX", {{"AAI"}, {}, {}, {"Price: 5+ units?"}}));
//   // out == "UNA:+.? '\nFTX+AAI+++Price?: 5?+ units??'\n"
//
// parse(write(model)) == model for every model the writer accepts: the round trip is the identity.
// To keep it so, the writer follows the reader's rule for syntax version 4: when no UNA was
// written, a UNB declaring version 4 turns the repetition separator '*' on for what follows
// (and a lower version turns it off), exactly as the tokenizer will when it reads the text back.
// A value holding a service character cannot be written when there is no release character
// (ServiceChars::release == ' '): write() throws std::invalid_argument, and nothing is appended.
//
// Thread-compatible. The writer appends to a string it does not own; the string must outlive it.
#pragma once

#include <string>
#include <string_view>

#include "edi/segment.hpp"
#include "edi/service_chars.hpp"

namespace edi {

class Writer {
 public:
  // `newline` is written after every segment terminator: "\n", "\r\n" or "" (all on one line).
  explicit Writer(std::string& out, ServiceChars chars = ServiceChars::defaults(),
                  std::string_view newline = "\n") noexcept
      : out_(out), chars_(chars), newline_(newline) {}

  void write_una();
  void write(const Segment& segment);
  // Appends `value` with every character that needs it released.
  void write_value(std::string_view value);

  const ServiceChars& chars() const noexcept { return chars_; }

 private:
  std::string& out_;
  ServiceChars chars_;
  std::string_view newline_;
  bool una_written_ = false;
};

}  // namespace edi
