#include "dynamodb/number.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace jobstream::dynamodb {
namespace {

// The exponent part of the text is bounded so that its value cannot overflow an int; anything
// with more digits is out of DynamoDB's range anyway.
constexpr std::size_t kMaxExponentDigits = 6;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status NotANumber(std::string_view text) {
  return Status::InvalidArgument("The parameter cannot be converted to a numeric value: " + std::string(text));
}

// Magnitude comparison of two normalized digit strings at their exponents.
int CompareMagnitude(const std::string& a_digits, int a_exp, const std::string& b_digits, int b_exp) {
  if (a_digits.empty() || b_digits.empty()) return a_digits.empty() ? (b_digits.empty() ? 0 : -1) : 1;
  const long a_lead = static_cast<long>(a_exp) + static_cast<long>(a_digits.size());
  const long b_lead = static_cast<long>(b_exp) + static_cast<long>(b_digits.size());
  if (a_lead != b_lead) return a_lead < b_lead ? -1 : 1;
  // Same position of the leading digit: the digits compare left to right, a missing digit as 0.
  const std::size_t n = std::max(a_digits.size(), b_digits.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char a = i < a_digits.size() ? a_digits[i] : '0';
    const char b = i < b_digits.size() ? b_digits[i] : '0';
    if (a != b) return a < b ? -1 : 1;
  }
  return 0;
}

// Digits of `digits` × 10^(exponent - base), as a little-endian vector of values 0-9.
std::string Aligned(const std::string& digits, int exponent, int base) {
  std::string out(static_cast<std::size_t>(exponent - base), 0);
  const std::size_t zeros = out.size();
  out.append(digits.rbegin(), digits.rend());
  for (std::size_t i = zeros; i < out.size(); ++i) out[i] = static_cast<char>(out[i] - '0');
  return out;
}

std::string ToBigEndianText(std::string little) {
  std::reverse(little.begin(), little.end());
  for (char& c : little) c = static_cast<char>(c + '0');
  return little;
}

}  // namespace

Result<Number> Number::Normalized(bool negative, std::string digits, int exponent) {
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Number();
  digits.erase(0, first);
  const std::size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int>(digits.size() - last - 1);
  digits.resize(last + 1);
  const long lead = static_cast<long>(exponent) + static_cast<long>(digits.size()) - 1;
  if (lead > kMaxNumberExponent) {
    return Status::InvalidArgument(
        "Number overflow. Attempting to store a number with magnitude larger than supported range");
  }
  if (lead < kMinNumberExponent) {
    return Status::InvalidArgument(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  }
  if (digits.size() > static_cast<std::size_t>(kMaxNumberDigits)) {
    return Status::InvalidArgument("Attempting to store more than 38 significant digits in a Number");
  }
  Number number;
  number.negative_ = negative;
  number.digits_ = std::move(digits);
  number.exponent_ = exponent;
  return number;
}

Result<Number> Number::Parse(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  std::string digits;
  int exponent = 0;
  bool any_digit = false;
  // Leading zeros carry no information; skipping them bounds `digits` by the significant ones
  // plus trailing zeros, which the range check below bounds in turn.
  while (pos < text.size() && text[pos] == '0') {
    ++pos;
    any_digit = true;
  }
  for (; pos < text.size() && IsDigit(text[pos]); ++pos, any_digit = true) digits.push_back(text[pos]);
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos, any_digit = true) {
      if (digits.empty() && text[pos] == '0') {
        --exponent;  // a zero after the point and before any significant digit
        continue;
      }
      digits.push_back(text[pos]);
      --exponent;
    }
  }
  if (!any_digit) return NotANumber(text);
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exp_negative = false;
    if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) exp_negative = text[pos++] == '-';
    const std::size_t exp_start = pos;
    while (pos < text.size() && text[pos] == '0') ++pos;
    const std::size_t significant_start = pos;
    int value = 0;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      if (pos - significant_start >= kMaxExponentDigits) {
        if (digits.empty()) return Number();
        return Number::Normalized(negative, "1", exp_negative ? -1000000 : 1000000);  // out of range
      }
      value = value * 10 + (text[pos] - '0');
    }
    if (pos == exp_start) return NotANumber(text);
    exponent += exp_negative ? -value : value;
  }
  if (pos != text.size()) return NotANumber(text);
  // Bounded: digits beyond 38 plus the range fail in Normalized, but the text itself may be long.
  return Normalized(negative, std::move(digits), exponent);
}

std::string Number::ToString() const {
  if (digits_.empty()) return "0";
  std::string out = negative_ ? "-" : "";
  if (exponent_ >= 0) {
    out += digits_;
    out.append(static_cast<std::size_t>(exponent_), '0');
    return out;
  }
  const long point = static_cast<long>(digits_.size()) + exponent_;  // digits before the point
  if (point > 0) {
    out.append(digits_, 0, static_cast<std::size_t>(point));
    out += '.';
    out.append(digits_, static_cast<std::size_t>(point));
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits_;
  }
  return out;
}

int Compare(const Number& a, const Number& b) {
  const bool a_negative = a.negative_ && !a.IsZero();
  const bool b_negative = b.negative_ && !b.IsZero();
  if (a_negative != b_negative) return a_negative ? -1 : 1;
  const int magnitude = CompareMagnitude(a.digits_, a.exponent_, b.digits_, b.exponent_);
  return a_negative ? -magnitude : magnitude;
}

Result<Number> Add(const Number& a, const Number& b) {
  if (a.IsZero()) return b;
  if (b.IsZero()) return a;
  // Both are in range, so the exponents differ by at most ~300: the aligned digits stay small.
  const int base = std::min(a.exponent_, b.exponent_);
  std::string x = Aligned(a.digits_, a.exponent_, base);
  std::string y = Aligned(b.digits_, b.exponent_, base);
  bool negative = a.negative_;
  std::string sum;
  if (a.negative_ == b.negative_) {
    int carry = 0;
    for (std::size_t i = 0; i < std::max(x.size(), y.size()) || carry != 0; ++i) {
      int d = carry + (i < x.size() ? x[i] : 0) + (i < y.size() ? y[i] : 0);
      carry = d / 10;
      sum.push_back(static_cast<char>(d % 10));
    }
  } else {
    // Subtract the smaller magnitude from the larger; the sign is the larger's.
    if (CompareMagnitude(a.digits_, a.exponent_, b.digits_, b.exponent_) < 0) {
      std::swap(x, y);
      negative = b.negative_;
    }
    int borrow = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      int d = x[i] - borrow - (i < y.size() ? y[i] : 0);
      borrow = d < 0 ? 1 : 0;
      sum.push_back(static_cast<char>(d + 10 * borrow));
    }
  }
  return Number::Normalized(negative, ToBigEndianText(std::move(sum)), base);
}

Result<Number> Subtract(const Number& a, const Number& b) {
  Number negated = b;
  negated.negative_ = !b.negative_;
  return Add(a, negated);
}

bool NumberTextEquals(std::string_view a, std::string_view b) {
  auto x = Number::Parse(a);
  auto y = Number::Parse(b);
  return x.ok() && y.ok() && Compare(*x, *y) == 0;
}

}  // namespace jobstream::dynamodb
