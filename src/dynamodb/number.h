// DynamoDB numbers: exact decimals of at most 38 significant digits, magnitudes from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, carried as text ({"N": "1.50"}). Never a double:
// a double cannot hold 38 digits, and DynamoDB compares and adds exactly.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace jobstream::dynamodb {

inline constexpr int kMaxNumberDigits = 38;
inline constexpr int kMaxNumberExponent = 125;   // of the leading digit
inline constexpr int kMinNumberExponent = -130;  // of the leading digit

class Number {
 public:
  Number() = default;  // zero

  // Reads DynamoDB number text ("-1.50", "1e3", "0100"); errors are DynamoDB's
  // ValidationException messages (not a number, more than 38 digits, overflow, underflow).
  static Result<Number> Parse(std::string_view text);

  // The form DynamoDB returns: no exponent, no leading or trailing zeros ("1.50" → "1.5",
  // "1e3" → "1000", "-0" → "0").
  std::string ToString() const;

  bool IsZero() const { return digits_.empty(); }
  bool IsNegative() const { return negative_; }

  // -1, 0 or 1 as a is less than, equal to or greater than b (exact).
  friend int Compare(const Number& a, const Number& b);
  friend bool operator==(const Number& a, const Number& b) { return Compare(a, b) == 0; }

  // Exact a + b and a - b; DynamoDB's errors when the result leaves the range or needs more
  // than 38 significant digits.
  friend Result<Number> Add(const Number& a, const Number& b);
  friend Result<Number> Subtract(const Number& a, const Number& b);

 private:
  // Trims zeros and checks the range and the precision.
  static Result<Number> Normalized(bool negative, std::string digits, int exponent);

  bool negative_ = false;
  std::string digits_;  // significant digits, no leading or trailing zero; empty for zero
  int exponent_ = 0;    // value = digits_ × 10^exponent_
};

// True when both texts are numbers of equal value ("1.0" and "1"); false when either is not a number.
bool NumberTextEquals(std::string_view a, std::string_view b);

}  // namespace jobstream::dynamodb
