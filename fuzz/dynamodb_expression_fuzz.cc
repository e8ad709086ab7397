// DynamoDB expressions (src/dynamodb): arbitrary text parsed as a ConditionExpression, an
// UpdateExpression and a ProjectionExpression with fixed ExpressionAttributeNames and Values;
// what parses is evaluated, applied and projected against a fixed item (and the update's result
// is checked again as an item, and read by the same condition).
// Input: one expression, text.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dynamodb/condition_expression.h"
#include "dynamodb/projection.h"
#include "dynamodb/update_expression.h"
#include "request_text.h"

namespace {

namespace json = boost::json;

const json::object& Names() {
  static const auto* const kNames =
      new json::object(json::parse(R"({"#s": "status", "#n": "name", "#d": "a.b", "#js": "job_status"})").as_object());
  return *kNames;
}

const json::object& Values() {
  static const auto* const kValues = new json::object(json::parse(R"({
      ":one": {"N": "1"}, ":big": {"N": "9.9999999999999999999999999999999999999E+125"}, ":tiny": {"N": "1E-130"},
      ":s": {"S": "Success"}, ":e": {"S": ""}, ":S": {"S": "S"}, ":t": {"BOOL": true}, ":null": {"NULL": true},
      ":l": {"L": [{"S": "c"}, {"N": "-2"}]}, ":m": {"M": {"status": {"S": "Running"}}},
      ":ss": {"SS": ["red", "green"]}, ":ns": {"NS": ["1", "2.5"]}, ":bs": {"BS": ["AQ==", "/w=="]},
      ":b": {"B": "AAEC"}})")
                                                          .as_object());
  return *kValues;
}

const jobstream::dynamodb::Item& TheItem() {
  static const auto* const kItem = new json::object(json::parse(R"({
      "id": {"S": "job-1"}, "version": {"N": "2"}, "status": {"S": "Running"}, "hits": {"N": "10"},
      "a.b": {"S": "dotted"}, "flag": {"BOOL": true}, "none": {"NULL": true}, "bin": {"B": "AQID"},
      "job_status": {"M": {"c1": {"M": {"status": {"S": "Pending"}}}}},
      "tags": {"SS": ["red", "blue"]}, "nums": {"NS": ["1", "3"]}, "bins": {"BS": ["AQ=="]},
      "letters": {"L": [{"S": "a"}, {"L": [{"N": "1"}, {"M": {"x": {"S": "y"}}}]}, {"S": "z"}]}})")
                                                        .as_object());
  return *kItem;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  const std::string_view text = fuzz::AsText(data, size);
  const dynamodb::ExpressionAttributes attributes{&Names(), &Values()};

  auto condition = dynamodb::ParseCondition(text, attributes);
  if (condition.ok()) {
    (void)dynamodb::Evaluate(*condition, TheItem());
    (void)dynamodb::Evaluate(*condition, dynamodb::Item{});
    (void)dynamodb::CheckAllPlaceholdersUsed(attributes, {&condition->placeholders()});
  }
  auto update = dynamodb::ParseUpdateExpression(text, attributes);
  if (update.ok()) {
    auto next = dynamodb::Apply(*update, TheItem());
    if (next.ok()) {
      // An update of a valid item with valid values gives a valid item, readable again.
      if (!dynamodb::ValidateItem(*next).ok()) __builtin_trap();
      if (condition.ok()) (void)dynamodb::Evaluate(*condition, *next);
      (void)dynamodb::Apply(*update, *next);
    }
    (void)dynamodb::Apply(*update, dynamodb::Item{});
  }
  auto projection = dynamodb::ParseProjection(text, attributes);
  if (projection.ok()) {
    const dynamodb::Item projected = dynamodb::Project(*projection, TheItem());
    if (!dynamodb::ValidateItem(projected).ok()) __builtin_trap();
  }
  return 0;
}
