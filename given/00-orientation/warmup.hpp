// Lesson 00 warm-up: three small questions about an interchange, answered with the core API.
//
//   std::string text = edi::generate({.seed = 1, .messages = 50});
//   edi::warmup::count_segments(text);              // segments, the UNA excluded
//   edi::warmup::count_messages_by_type(text);      // {"DESADV": 9, "IFTSTA": 6, "INVOIC": 18, ...}
//   edi::warmup::invoice_total(text);               // sum of MOA+77 over the INVOIC messages
//
// Each function reads any input the core reads (a UNA with other separators, syntax 4, CRLF,
// one line...). When the input has an error (a truncated last segment), it answers for the
// segments before the error.
//
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "edi/amount.hpp"

namespace edi::warmup {
// The build names this namespace after the implementation (exercises or solutions), so one
// benchmark binary can hold your code and the reference side by side. Leave it as it is.
inline namespace EDI_IMPL {

// Number of segments, the UNA service string advice not counted.
[[nodiscard]] std::size_t count_segments(std::string_view interchange);

// Messages per type: the type is the first component of UNH element 2 ("ORDERS" in
// "UNH+1+ORDERS:D:96A:UN").
[[nodiscard]] std::map<std::string, std::size_t, std::less<>> count_messages_by_type(std::string_view interchange);

// The sum of the invoice amounts: the MOA segments with qualifier 77 ("MOA+77:1234.50") inside
// INVOIC messages. Amounts use the decimal mark of the interchange (a UNA may make it ',').
// A MOA+77 whose amount is not a number is skipped.
[[nodiscard]] Amount invoice_total(std::string_view interchange);

}  // namespace EDI_IMPL
}  // namespace edi::warmup
