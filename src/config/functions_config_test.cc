// [[functions]] in the TOML file: what it reads, what it refuses, and that today's files still
// load as they did.
#include <gtest/gtest.h>

#include <fstream>

#include "config/serve_config.h"
#include "testing/temp_dir.h"

namespace jobstream::config {
namespace {

using namespace std::chrono_literals;

std::string ErrorOf(std::string_view toml) {
  auto loaded = LoadTomlText(toml, ServeConfig{});
  return loaded.ok() ? "" : loaded.error().message();
}

TEST(FunctionsConfigTest, AnExecFunctionIsReadWithEveryKey) {
  auto config = LoadTomlText(R"(
[[functions]]
name = "sample"
runtime = "exec"
command = ["python3", "handler.py", "--flag"]
working_dir = "/srv/code"
environment = { GREETING = "hello", LEVEL = "2" }
timeout_seconds = 30
concurrency = 8
memory_mb = 256
role = "sample-role"
credential_lifetime_seconds = 900

[[consumers]]
name = "c1"
function = "sample"
)",
                             ServeConfig{});
  ASSERT_TRUE(config.ok()) << config.error().message();
  ASSERT_EQ(config->functions.size(), 1u);
  const functions::FunctionConfig& function = config->functions[0];
  EXPECT_EQ(function.name, "sample");
  EXPECT_EQ(function.runtime, functions::Runtime::kExec);
  EXPECT_EQ(function.command, (std::vector<std::string>{"python3", "handler.py", "--flag"}));
  EXPECT_EQ(function.working_dir, "/srv/code");
  using Environment = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(function.environment, (Environment{{"GREETING", "hello"}, {"LEVEL", "2"}}));
  EXPECT_EQ(function.timeout, std::optional<std::chrono::seconds>(30s));
  EXPECT_EQ(function.concurrency, 8);
  EXPECT_EQ(function.memory_mb, 256);
  EXPECT_EQ(function.role, "sample-role");
  EXPECT_EQ(function.credential_lifetime, 900s);
  EXPECT_EQ(config->consumers[0].function, "sample");
  EXPECT_FALSE(config->consumers[0].timeout_set);
}

TEST(FunctionsConfigTest, TodaysFilesLoadUnchanged) {
  auto config = LoadTomlText(R"(
[[consumers]]
name = "consumer_1"
function = "sleep"
timeout_seconds = 120
)",
                             ServeConfig{});
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(config->functions.empty());
  EXPECT_EQ(config->consumers[0].timeout, 120s);
  EXPECT_TRUE(config->consumers[0].timeout_set);
}

TEST(FunctionsConfigTest, ErrorsNameTheTableAndTheKey) {
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"python\"\n"),
            "setting 'functions[0].runtime': runtime must be builtin, exec or lambda, not 'python'");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"lambda\"\nworkers = 0\n"),
            "setting 'functions[0].workers' must be at least 1");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"lambda\"\nhandler = \"a.b\"\ncode_dir = \"x\"\n"
                    "working_dir = \"y\"\n"),
            "setting 'functions[0].code_dir' is an alias of working_dir: set one");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"exec\"\ncommand = \"python3 handler.py\"\n"),
            "setting 'functions[0].command' must be an array of strings");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"exec\"\ncommand = [\"x\"]\nenvironment = { A = 1 }\n"),
            "setting 'functions[0].environment.A' must be a string");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"exec\"\ncommand = [\"x\"]\nshell = true\n"),
            "unknown setting 'functions[0].shell'");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"exec\"\ncommand = []\n"),
            "functions[0] ('f'): command must be a non-empty array of strings");
  EXPECT_EQ(ErrorOf("[[functions]]\nname = \"f\"\nruntime = \"exec\"\ncommand = [\"x\"]\ntimeout_seconds = 0\n"),
            "functions[0] ('f'): timeout_seconds must be between 1 and 86400");
  EXPECT_EQ(ErrorOf("functions = 3\n"), "'functions' must be an array of tables ([[functions]])");
}

TEST(FunctionsConfigTest, AFileResolvesWorkingDirectoriesBesideItself) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "jobstream.toml";
  std::ofstream(path) << R"(
[[functions]]
name = "here"
runtime = "exec"
command = ["./handler.py"]

[[functions]]
name = "below"
runtime = "exec"
command = ["./handler.py"]
working_dir = "code"

[[functions]]
name = "absolute"
runtime = "exec"
command = ["./handler.py"]
working_dir = "/srv"
)";
  auto config = LoadTomlFile(path, ServeConfig{});
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->functions[0].working_dir, dir.path().lexically_normal() / "");
  EXPECT_EQ(config->functions[1].working_dir, dir.path() / "code");
  EXPECT_EQ(config->functions[2].working_dir, "/srv");
}

}  // namespace
}  // namespace jobstream::config
