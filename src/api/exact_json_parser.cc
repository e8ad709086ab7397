#include "api/exact_json_parser.h"

#include <fmt/format.h>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace jobstream::api {
namespace {

// A decimal number reduced to what its value depends on: 0.0120e3 and 12 are equal.
struct DecimalForm {
  bool negative = false;
  std::string digits;  // significant digits: no leading or trailing zeros; empty for zero
  long exponent = 0;   // the value is 0.<digits> × 10^exponent

  bool operator==(const DecimalForm& other) const {
    if (digits.empty()) return other.digits.empty();  // +0 and -0 are the same number here
    return negative == other.negative && digits == other.digits && exponent == other.exponent;
  }
};

// `text` is a JSON number (the parser checked its grammar) or std::to_chars output.
DecimalForm Reduce(std::string_view text) {
  DecimalForm form;
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    form.negative = true;
    ++i;
  }
  long digits_before_point = 0;
  bool seen_point = false;
  bool leading = true;
  long skipped_after_point = 0;  // zeros between the point and the first significant digit
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    char c = text[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (leading && c == '0') {
      if (seen_point) ++skipped_after_point;
      continue;
    }
    leading = false;
    form.digits.push_back(c);
    if (!seen_point) ++digits_before_point;
  }
  long exponent = 0;
  if (i < text.size()) {
    ++i;  // 'e'
    bool negative_exponent = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    for (; i < text.size(); ++i) {
      // Exponents beyond any double's range saturate: the number is refused either way.
      if (exponent < 100000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (negative_exponent) exponent = -exponent;
  }
  while (!form.digits.empty() && form.digits.back() == '0') form.digits.pop_back();
  form.exponent = exponent + (digits_before_point > 0 ? digits_before_point : -skipped_after_point);
  return form;
}

std::string PathText(const std::vector<std::string>& path) {
  std::string text;
  for (const std::string& segment : path) {
    if (!text.empty() && (segment.empty() || segment.front() != '[')) text.push_back('.');
    text.append(segment);
  }
  return text;
}

// Builds the value as boost::json::parse does (through its value_stack), taking numbers from
// their text, and keeps the path to the value being parsed for error messages.
// The member names below are the interface boost::json::basic_parser calls.
// NOLINTBEGIN(readability-identifier-naming)
class ExactHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  boost::json::value_stack stack;
  std::string refused;  // the message for the first refused number

  bool on_document_begin(boost::system::error_code&) {
    stack.reset();
    return true;
  }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    BeginValue();
    frames_.push_back(Frame{false, 0});
    path_.emplace_back();  // the key, set by on_key
    return true;
  }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    EndContainer();
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    BeginValue();
    frames_.push_back(Frame{true, 0});
    path_.emplace_back();
    return true;
  }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    EndContainer();
    stack.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    stack.push_chars(part);
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    stack.push_key(part);
    key_.append(part.data(), part.size());
    path_.back() = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    stack.push_chars(part);
    return true;
  }
  bool on_string(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    BeginValue();
    stack.push_string(part);
    return true;
  }
  bool on_number_part(boost::json::string_view part, boost::system::error_code&) {
    number_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code&) {
    BeginValue();
    number_.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code&) {
    BeginValue();
    number_.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double, boost::json::string_view part, boost::system::error_code& ec) {
    BeginValue();
    number_.append(part.data(), part.size());
    double exact = 0;
    auto [end, from_ec] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    if (from_ec != std::errc() || end != number_.data() + number_.size() || !NumberIsExact(number_)) {
      refused = fmt::format(
          "Parameter '{}' is a number jobstream cannot store exactly (more than 17 significant digits, or "
          "beyond a double's range): {}",
          PathText(path_), ShownNumber());
      ec = boost::json::error::exception;  // stops the parser; the message above is what the client sees
      return false;
    }
    // Items are DynamoDB items: a number outside DynamoDB's range could never be written back
    // through its API or read by a DynamoDB client.
    if (const double magnitude = std::fabs(exact); magnitude != 0 && (magnitude >= 1e126 || magnitude < 1e-130)) {
      refused = fmt::format(
          "Parameter '{}' is a number outside DynamoDB's range (magnitudes from 1E-130 to below 1E+126): {}",
          PathText(path_), ShownNumber());
      ec = boost::json::error::exception;
      return false;
    }
    number_.clear();
    stack.push_double(exact);
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) {
    BeginValue();
    stack.push_bool(b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    BeginValue();
    stack.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  // The number being refused, cut short if long (the text can be 256 KiB).
  std::string ShownNumber() const {
    return number_.size() > kMaxEchoedNumberChars ? number_.substr(0, kMaxEchoedNumberChars) + "…" : number_;
  }

  struct Frame {
    bool is_array;
    std::size_t next_index;
  };

  // Names an array element by its index before its value is parsed.
  void BeginValue() {
    if (frames_.empty() || !frames_.back().is_array) return;
    path_.back() = fmt::format("[{}]", frames_.back().next_index++);
  }
  void EndContainer() {
    frames_.pop_back();
    path_.pop_back();
  }

  std::vector<Frame> frames_;
  std::vector<std::string> path_;
  std::string key_;
  std::string number_;
};
// NOLINTEND(readability-identifier-naming)

}  // namespace

bool NumberIsExact(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return false;
  std::array<char, 32> shortest;
  auto written = std::to_chars(shortest.data(), shortest.data() + shortest.size(), value);
  if (written.ec != std::errc()) return false;
  return Reduce(text) == Reduce(std::string_view(shortest.data(), written.ptr - shortest.data()));
}

Result<boost::json::value> ParseExactJson(std::string_view body, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::json::basic_parser<ExactHandler> parser(options);
  boost::system::error_code ec;
  std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!parser.handler().refused.empty()) return Status::InvalidArgument(parser.handler().refused);
  if (ec == boost::json::error::too_deep) {
    return Status::InvalidArgument(fmt::format("Request body is nested more than {} levels deep", max_depth));
  }
  if (ec || used != body.size()) return Status::InvalidArgument("Request body is not valid JSON");
  return parser.handler().stack.release();
}

}  // namespace jobstream::api
