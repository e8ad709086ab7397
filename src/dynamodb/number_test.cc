#include "dynamodb/number.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::dynamodb {
namespace {

std::string Canonical(std::string_view text) {
  auto number = Number::Parse(text);
  return number.ok() ? number->ToString() : "error: " + number.error().message();
}

std::string Sum(std::string_view a, std::string_view b) {
  auto sum = Add(*Number::Parse(a), *Number::Parse(b));
  return sum.ok() ? sum->ToString() : "error: " + sum.error().message();
}

TEST(DynamoNumber, CanonicalFormIsAsDynamoDbReturnsIt) {
  EXPECT_EQ(Canonical("1.50"), "1.5");
  EXPECT_EQ(Canonical("0100"), "100");
  EXPECT_EQ(Canonical("1e3"), "1000");
  EXPECT_EQ(Canonical("1.5E-3"), "0.0015");
  EXPECT_EQ(Canonical("-0"), "0");
  EXPECT_EQ(Canonical("-0.000"), "0");
  EXPECT_EQ(Canonical("+7"), "7");
  EXPECT_EQ(Canonical(".5"), "0.5");
  EXPECT_EQ(Canonical("5."), "5");
  EXPECT_EQ(Canonical("-12.340"), "-12.34");
  EXPECT_EQ(Canonical("1E-130"), "0." + std::string(129, '0') + "1");
}

TEST(DynamoNumber, TextThatIsNotANumberIsRefused) {
  for (const char* text : {"", "abc", "1..2", "--1", "1e", "1e+", "0x10", "1 ", " 1", "NaN", "Infinity", "."}) {
    auto number = Number::Parse(text);
    ASSERT_FALSE(number.ok()) << text;
    EXPECT_EQ(number.error().message(), "The parameter cannot be converted to a numeric value: " + std::string(text));
  }
}

TEST(DynamoNumber, ThirtyEightSignificantDigitsAreTheLimit) {
  const std::string digits38(38, '9');
  EXPECT_EQ(Canonical(digits38), digits38);
  EXPECT_EQ(Canonical(digits38 + "9"), "error: Attempting to store more than 38 significant digits in a Number");
  // Trailing zeros of an integer and leading zeros of a fraction are not significant.
  EXPECT_EQ(Canonical("1" + std::string(60, '0')), "1" + std::string(60, '0'));
  EXPECT_EQ(Canonical("0.0000000000000000000000000000000000000000001"), "0." + std::string(42, '0') + "1");
}

TEST(DynamoNumber, MagnitudeOutsideTheRangeOverflowsOrUnderflows) {
  EXPECT_EQ(Canonical("9.9999999999999999999999999999999999999E+125").size(), 126u);
  EXPECT_EQ(Canonical("1E+126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Canonical("-1E+126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Canonical("1E-131"),
            "error: Number underflow. Attempting to store a number with magnitude smaller than supported range");
  EXPECT_EQ(Canonical("1E999999999"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Canonical("0E999999999"), "0");
}

TEST(DynamoNumber, ComparisonIsExactBeyondDoublePrecision) {
  auto a = *Number::Parse("12345678901234567890123456789012345678");
  auto b = *Number::Parse("12345678901234567890123456789012345679");
  EXPECT_LT(Compare(a, b), 0);
  EXPECT_GT(Compare(b, a), 0);
  EXPECT_EQ(Compare(*Number::Parse("1.0"), *Number::Parse("1")), 0);
  EXPECT_LT(Compare(*Number::Parse("-2"), *Number::Parse("-1")), 0);
  EXPECT_LT(Compare(*Number::Parse("-1"), *Number::Parse("0")), 0);
  EXPECT_LT(Compare(*Number::Parse("0.001"), *Number::Parse("0.01")), 0);
  EXPECT_GT(Compare(*Number::Parse("10"), *Number::Parse("9.99")), 0);
  EXPECT_TRUE(NumberTextEquals("1e2", "100.000"));
  EXPECT_FALSE(NumberTextEquals("1e2", "x"));
}

TEST(DynamoNumber, AdditionAndSubtractionAreExact) {
  EXPECT_EQ(Sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(Sum("1", "-1"), "0");
  EXPECT_EQ(Sum("-5", "3"), "-2");
  EXPECT_EQ(Sum("3", "-5"), "-2");
  EXPECT_EQ(Sum("99", "1"), "100");
  EXPECT_EQ(Sum("1.005", "-0.005"), "1");
  EXPECT_EQ(Sum("12345678901234567890123456789012345678", "1"), "12345678901234567890123456789012345679");
  auto diff = Subtract(*Number::Parse("10"), *Number::Parse("0.5"));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->ToString(), "9.5");
}

TEST(DynamoNumber, ArithmeticLeavingPrecisionOrRangeFails) {
  EXPECT_EQ(Sum("1E+30", "1E-30"), "error: Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(Sum("9.9999999999999999999999999999999999999E+125", "9.9999999999999999999999999999999999999E+125"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
}

}  // namespace
}  // namespace jobstream::dynamodb
