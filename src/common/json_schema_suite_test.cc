// The official JSON-Schema-Test-Suite's draft-4 tests (Debian's json-schema-test-suite package,
// installed by scripts/install-deps --test), run against JsonSchema. Missing files fail the test:
// a validator that has not met the suite is not known to be right.
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "common/json_schema.h"

namespace jobstream {
namespace {

constexpr const char* kSuiteDir = "/usr/share/json-schema-test-suite/tests/draft4";

// Files not run, each with its reason.
const std::map<std::string, std::string>& SkippedFiles() {
  static const std::map<std::string, std::string> skipped = {
      {"refRemote.json", "remote references (http://localhost:1234/…) are refused by design"},
      {"definitions.json", "both groups $ref the remote draft-04 meta-schema, refused by design"},
      {"optional/format.json", "format is not asserted (optional in draft 4)"},
      {"optional/ecmascript-regex.json", "its one test is of `\"format\": \"regex\"`: format is not asserted"},
      {"optional/zeroTerminatedFloats.json",
       "jobstream's \"integer\" is any number without a fractional part (1.0 is an integer): the request body "
       "keeps numbers as DynamoDB does, where 1.0 and 1 are the same number"},
  };
  return skipped;
}

// Groups (file, description) whose schema uses what is refused by design: Compile must refuse it.
const std::set<std::pair<std::string, std::string>>& RefusedGroups() {
  static const std::set<std::pair<std::string, std::string>> refused = {
      {"ref.json", "remote ref, containing refs itself"},
      // Its $ref "node" resolves against an `id` base URI ("http://localhost:1234/tree").
      {"ref.json", "Recursive references between schemas"},
  };
  return refused;
}

boost::json::value ReadJson(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

TEST(JsonSchemaSuiteTest, EveryDraft4TestOfTheSupportedKeywordsPasses) {
  const std::filesystem::path dir(kSuiteDir);
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " is missing: install the json-schema-test-suite package (scripts/install-deps --test)";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().lexically_relative(dir).string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 25U) << "the suite's draft-4 files are not all there";
  std::size_t passed = 0;
  std::size_t total = 0;
  std::size_t refused_groups = 0;
  for (const std::string& file : files) {
    if (SkippedFiles().contains(file)) {
      std::cout << "[ skipped  ] " << file << ": " << SkippedFiles().at(file) << "\n";
      continue;
    }
    std::size_t file_passed = 0;
    std::size_t file_total = 0;
    const boost::json::value groups = ReadJson(dir / file);
    for (const boost::json::value& group : groups.as_array()) {
      const std::string description(group.at("description").as_string());
      SCOPED_TRACE(file + ": " + description);
      auto schema = JsonSchema::Compile(group.at("schema"));
      if (RefusedGroups().contains({file, description})) {
        EXPECT_FALSE(schema.ok()) << "expected the schema to be refused";
        ++refused_groups;
        continue;
      }
      ASSERT_TRUE(schema.ok()) << schema.error().message();
      for (const boost::json::value& test : group.at("tests").as_array()) {
        ++file_total;
        const bool expected = test.at("valid").as_bool();
        const auto violation = schema->Validate(test.at("data"));
        EXPECT_EQ(!violation.has_value(), expected)
            << test.at("description").as_string() << ": " << boost::json::serialize(test.at("data"))
            << (violation ? " refused: '" + violation->path + "' " + violation->requirement : " accepted");
        if (!violation.has_value() == expected) ++file_passed;
      }
    }
    std::cout << "[ suite    ] " << file << ": " << file_passed << "/" << file_total << " passed\n";
    passed += file_passed;
    total += file_total;
  }
  std::cout << "[ suite    ] draft4: " << passed << "/" << total << " tests passed, " << refused_groups
            << " groups refused by design, " << SkippedFiles().size() << " files skipped\n";
  EXPECT_EQ(passed, total);
  EXPECT_GT(total, 250U);
}

}  // namespace
}  // namespace jobstream
