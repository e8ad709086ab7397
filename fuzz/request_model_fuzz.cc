// The request model's JSON Schema validator (common/json_schema.h). Properties: compiling any
// schema either succeeds or refuses it with a message (no crash, no hang, no unbounded recursion:
// $ref cycles are refused); validating any instance against a compiled schema ends within its
// budget; a violation always has a requirement to tell the client.
// Input: a schema and an instance, JSON texts separated by the first NUL byte (or the first half
// and the second half of the input when there is none).
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/json_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t split = input.find('\0');
  std::string_view schema_text = input.substr(0, split == std::string_view::npos ? size / 2 : split);
  std::string_view instance_text = split == std::string_view::npos ? input.substr(size / 2) : input.substr(split + 1);
  boost::system::error_code error;
  boost::json::value schema = boost::json::parse(schema_text, error);
  if (error) return 0;
  auto compiled = jobstream::JsonSchema::Compile(std::move(schema));
  if (!compiled.ok()) {
    if (compiled.error().message().empty()) {
      std::fputs("a refused schema has no message\n", stderr);
      std::abort();
    }
    return 0;
  }
  boost::json::value instance = boost::json::parse(instance_text, error);
  if (error) return 0;
  auto violation = compiled->Validate(instance);
  if (violation && violation->requirement.empty()) {
    std::fputs("a violation has no requirement\n", stderr);
    std::abort();
  }
  // The schema document itself is a JSON value too: validating it must end as well.
  (void)compiled->Validate(compiled->document());
  return 0;
}
