// Lambda event-source-mapping filters (FilterCriteria): decide which stream records a consumer
// receives. Syntax as in
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
//
// A pattern is a JSON object that mirrors the record's structure. Every key must match (AND); a
// key maps either to a nested object or to a non-empty array of matchers, of which any may match
// (OR). `"$or": [pattern, pattern, ...]` (two or more) at any object level needs one alternative
// to match, in addition to the object's other keys.
//   {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["Pending"]}}}}
//
// Matchers (one array element each):
//   "text", 5, true, null                exact value
//   {"prefix": "ab"}, {"suffix": "ab"}   string starts/ends with; the operand may also be
//                                        {"equals-ignore-case": "ab"}
//   {"equals-ignore-case": "ab"}         ASCII case-insensitive string equality
//   {"wildcard": "a*b"}                  `*` matches any run of characters; `\*` and `\\` escape
//   {"numeric": ["=", 5]}, {"numeric": [">", 0, "<=", 5]}
//                                        one comparison, or a lower and an upper bound
//   {"exists": true | false}             whether the field holds a leaf value
//   {"anything-but": "a" | 5 | ["a", "b"] | [1, 2] | {"prefix"|"suffix"|"wildcard": "x"} |
//                    {"equals-ignore-case": "x" | ["x", "y"]}}
//                                        any present leaf value, of any type, the inner test
//                                        rejects (anything-but "a" matches 5 and null)
//
// Semantics, following EventBridge/Lambda where they are documented:
//  - Values are the record's leaves. An object is not a leaf: value matchers never match it and
//    {"exists": true} is false for it (AWS: "exists only works on leaf nodes"). A missing field
//    matches only {"exists": false}; so does a field under a missing parent.
//  - A record array matches when any element matches; arrays of objects are searched the same way
//    by nested patterns. Arrays inside arrays are not searched.
//  - Number matchers (exact numbers, numeric, anything-but numbers) compare as doubles and also
//    accept strings holding a decimal number. This is our choice, not AWS's documented rule: it
//    lets {"N": [{"numeric": [">", 0]}]} work on DynamoDB images, where "N" holds text like "5".
//    String matchers apply to JSON strings only, so ["5"] does not match the number 5.
//
// Thread-safety: immutable after Parse; Matches may be called from any number of threads.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace jobstream::stream {

// Bounds on one pattern. Patterns come from configuration, but a typo should fail loudly at load
// time rather than build something slow to evaluate.
inline constexpr size_t kMaxPatternBytes = 4096;    // Lambda's own limit on a Pattern string
inline constexpr int kMaxPatternDepth = 32;         // nested objects and $or levels
inline constexpr size_t kMaxPatternOperands = 256;  // matcher operands across the whole pattern
inline constexpr size_t kMaxFilters = 10;           // Lambda's ceiling on Filters per mapping

namespace filter_internal {
struct PatternNode;  // the compiled form, private to filter_pattern.cc
}  // namespace filter_internal

class FilterPattern {
 public:
  // Parses one pattern (JSON text as in FilterCriteria.Filters[].Pattern). Errors:
  // Status::InvalidArgument naming the offending key path and what is wrong with it.
  static Result<FilterPattern> Parse(std::string_view pattern_json);

  // True if `record` satisfies the pattern. Allocation-free.
  bool Matches(const boost::json::value& record) const;

  FilterPattern(const FilterPattern& other);
  FilterPattern(FilterPattern&& other) noexcept;
  FilterPattern& operator=(const FilterPattern& other);
  FilterPattern& operator=(FilterPattern&& other) noexcept;
  ~FilterPattern();

 private:
  FilterPattern();

  // nodes_[0] is the root object; nodes refer to their children by index.
  std::vector<filter_internal::PatternNode> nodes_;
};

// Several patterns, OR'ed as Lambda's FilterCriteria.Filters. An empty set matches everything.
class FilterCriteria {
 public:
  FilterCriteria() = default;  // no filters: every record passes

  // Parses each pattern; the error names the index of the first bad one. At most kMaxFilters.
  static Result<FilterCriteria> Parse(const std::vector<std::string>& patterns);

  // True if there are no patterns or any pattern matches. Thread-safe, allocation-free.
  bool Matches(const boost::json::value& record) const;

  bool empty() const { return patterns_.empty(); }
  size_t size() const { return patterns_.size(); }

 private:
  std::vector<FilterPattern> patterns_;
};

}  // namespace jobstream::stream
