// Exact fixed-point amounts: what parse_amount accepts and rejects, and how to_string prints.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "edi/amount.hpp"

namespace edi {
namespace {

Amount parsed(std::string_view text, char mark = '.') {
  Amount a{-999};
  EXPECT_TRUE(parse_amount(text, mark, a)) << text;
  return a;
}

// The examples at the top of amount.hpp.
TEST(Amount, HeaderExamples) {
  Amount a, b;
  EXPECT_TRUE(parse_amount("1202.58", '.', a));
  EXPECT_EQ(a.units, 12025800);
  EXPECT_TRUE(parse_amount("410", '.', b));
  EXPECT_EQ(to_string(a + b), "1612.58");
  EXPECT_TRUE(parse_amount("12,5", ',', a));
  EXPECT_EQ(a.units, 125000);
  EXPECT_FALSE(parse_amount("12.34567", '.', a));
}

// Signs, up to four decimals, up to 14 integer digits, a bare fraction or a bare integer part.
TEST(Amount, AcceptedForms) {
  EXPECT_EQ(parsed("0").units, 0);
  EXPECT_EQ(parsed("-0").units, 0);
  EXPECT_EQ(parsed("-3").units, -30000);
  EXPECT_EQ(parsed("1.2345").units, 12345);
  EXPECT_EQ(parsed("0.0001").units, 1);
  EXPECT_EQ(parsed("-0.5").units, -5000);
  EXPECT_EQ(parsed(".5").units, 5000);
  EXPECT_EQ(parsed("7.").units, 70000);
  EXPECT_EQ(parsed("00012.50").units, 125000);
  EXPECT_EQ(parsed("99999999999999.9999").units, 999'999'999'999'999'999);
  EXPECT_EQ(parsed("-99999999999999").units, -999'999'999'999'990'000);
  EXPECT_EQ(parsed("12,5", ',').units, 125000);
}

// Anything else is rejected, and the output is left alone.
TEST(Amount, RejectedFormsLeaveOutputAlone) {
  for (const std::string_view text : {"", "-", ".", "-.", "+1", "1.2.3", "1,5", "12a", " 1", "1 ", "1.23456",
                                      "123456789012345", "--1", "1-", "1e3"}) {
    Amount a{42};
    EXPECT_FALSE(parse_amount(text, '.', a)) << text;
    EXPECT_EQ(a.units, 42) << text;
  }
  Amount a{42};
  EXPECT_FALSE(parse_amount("12.5", ',', a));  // the mark comes from the UNA
  EXPECT_EQ(a.units, 42);
}

// At least two decimals, more only when needed; negative values and the extremes of int64.
TEST(Amount, ToString) {
  EXPECT_EQ(to_string(Amount{0}), "0.00");
  EXPECT_EQ(to_string(Amount{-30000}), "-3.00");
  EXPECT_EQ(to_string(Amount{11790}), "1.179");
  EXPECT_EQ(to_string(Amount{12345}), "1.2345");
  EXPECT_EQ(to_string(Amount{-5}), "-0.0005");
  EXPECT_EQ(to_string(Amount{100}), "0.01");
  EXPECT_EQ(to_string(Amount{std::numeric_limits<std::int64_t>::max()}), "922337203685477.5807");
  EXPECT_EQ(to_string(Amount{std::numeric_limits<std::int64_t>::min()}), "-922337203685477.5808");
}

// Sums are exact and independent of order; comparisons follow the units.
TEST(Amount, ArithmeticIsExact) {
  Amount forward, backward;
  const char* values[] = {"0.1", "0.2", "0.3", "1202.58", "-410.0001"};
  for (const char* v : values) forward += parsed(v);
  for (int i = 4; i >= 0; --i) backward += parsed(values[i]);
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(to_string(forward), "793.1799");
  EXPECT_LT(parsed("1.5"), parsed("1.5001"));
  EXPECT_LT(parsed("-2"), parsed("-1.9999"));
}

}  // namespace
}  // namespace edi
