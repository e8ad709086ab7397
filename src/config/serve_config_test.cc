#include "config/serve_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace jobstream::config {
namespace {

TEST(ServeConfigTest, DefaultsMirrorTheReferenceDeployment) {
  ServeConfig config;
  ASSERT_TRUE(config.Validate().ok());
  EXPECT_EQ(config.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.data_dir, "./data");
  EXPECT_EQ(config.region, "us-east-1");
  EXPECT_EQ(config.service, "execute-api");
  EXPECT_EQ(config.max_body_bytes, 256u * 1024u);
  ASSERT_EQ(config.consumers.size(), 2u);
  for (const auto& consumer : config.consumers) {
    EXPECT_EQ(consumer.function, "sleep");
    EXPECT_EQ(consumer.batch_size, 1);
    EXPECT_EQ(consumer.max_retries, 0);
    EXPECT_EQ(consumer.max_record_age, std::chrono::hours(6));
    EXPECT_EQ(consumer.timeout, std::chrono::seconds(300));
    EXPECT_EQ(consumer.filters, std::vector<std::string>{R"({"eventName": ["INSERT"]})"});
  }
  EXPECT_EQ(config.consumers[0].name, "consumer_1");
  EXPECT_EQ(config.consumers[1].name, "consumer_2");
}

TEST(ServeConfigTest, TomlOverridesEverySection) {
  auto config = LoadTomlText(R"(
data_dir = "/tmp/x"
listen = "0.0.0.0:9000"
[http]
io_threads = 2
max_body_bytes = 1024
[auth]
region = "eu-west-1"
max_clock_skew_seconds = 60
[store]
shards = 8
stream_retention_hours = 48
stream_view_type = "NEW_AND_OLD_IMAGES"
max_size_mb = 512
[[consumers]]
name = "only"
function = "noop"
filters = []
batch_size = 10
batching_window_ms = 50
parallelism = 4
max_retries = 3
retry_backoff_base_ms = 250
retry_backoff_max_ms = 5000
bisect_batch_on_error = true
record_outcome = false
timeout_seconds = 30
)",
                             ServeConfig{});
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->data_dir, "/tmp/x");
  EXPECT_EQ(config->listen, "0.0.0.0:9000");
  EXPECT_EQ(config->io_threads, 2);
  EXPECT_EQ(config->max_body_bytes, 1024u);
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->max_clock_skew, std::chrono::seconds(60));
  EXPECT_EQ(config->shards, 8);
  EXPECT_EQ(config->stream_retention, std::chrono::hours(48));
  EXPECT_EQ(config->stream_view_type, stream::StreamViewType::kNewAndOldImages);
  EXPECT_EQ(config->max_size_mb, 512u);
  ASSERT_EQ(config->consumers.size(), 1u);
  const auto& consumer = config->consumers[0];
  EXPECT_EQ(consumer.name, "only");
  EXPECT_EQ(consumer.function, "noop");
  EXPECT_TRUE(consumer.filters.empty());
  EXPECT_EQ(consumer.batch_size, 10);
  EXPECT_EQ(consumer.batching_window, std::chrono::milliseconds(50));
  EXPECT_EQ(consumer.parallelism, 4);
  EXPECT_EQ(consumer.max_retries, 3);
  EXPECT_EQ(consumer.retry_backoff_base, std::chrono::milliseconds(250));
  EXPECT_EQ(consumer.retry_backoff_max, std::chrono::milliseconds(5000));
  EXPECT_TRUE(consumer.bisect_batch_on_error);
  EXPECT_FALSE(consumer.record_outcome);
  EXPECT_EQ(consumer.timeout, std::chrono::seconds(30));
}

TEST(ServeConfigTest, MaxRetriesMayBeMinusOneAndIsRangeChecked) {
  auto until_expiry = LoadTomlText("[[consumers]]\nname = \"a\"\nmax_retries = -1\n", ServeConfig{});
  ASSERT_TRUE(until_expiry.ok()) << until_expiry.error().message();
  EXPECT_EQ(until_expiry->consumers[0].max_retries, -1);
  auto huge = LoadTomlText("[[consumers]]\nname = \"a\"\nmax_retries = 99999999999\n", ServeConfig{});
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().message(), "setting 'consumers[0].max_retries' must be an integer");
  auto text = LoadTomlText("[[consumers]]\nname = \"a\"\nmax_retries = \"3\"\n", ServeConfig{});
  ASSERT_FALSE(text.ok());
}

TEST(ServeConfigTest, UnknownKeysAreErrorsNamingThePath) {
  auto top = LoadTomlText("lisen = \"x\"\n", ServeConfig{});
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().message(), "unknown setting 'lisen'");
  auto nested = LoadTomlText("[[consumers]]\nname = \"a\"\nbatchsize = 2\n", ServeConfig{});
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().message(), "unknown setting 'consumers[0].batchsize'");
}

TEST(ServeConfigTest, WrongTypesAndRangesAreErrors) {
  EXPECT_EQ(LoadTomlText("[store]\nshards = \"four\"\n", ServeConfig{}).error().message(),
            "setting 'store.shards' must be a non-negative integer");
  EXPECT_FALSE(LoadTomlText("[store]\nshards = 0\n", ServeConfig{}).ok());
  EXPECT_FALSE(LoadTomlText("[store]\nstream_view_type = \"SOMETIMES\"\n", ServeConfig{}).ok());
  EXPECT_FALSE(LoadTomlText("[[consumers]]\nname = \"bad name!\"\n", ServeConfig{}).ok());
  EXPECT_FALSE(LoadTomlText("[[consumers]]\nname = \"a\"\nbatch_size = 0\n", ServeConfig{}).ok());
  EXPECT_FALSE(LoadTomlText("listen = \"nocolon\"\n", ServeConfig{}).ok());
  auto broken = LoadTomlText("[http\n", ServeConfig{});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message().find("invalid TOML at line 1"), std::string::npos);
}

TEST(ServeConfigTest, ResponsesAreJobstreamsOrTheReferences) {
  EXPECT_EQ(ServeConfig{}.responses, "jobstream");
  auto reference = LoadTomlText("[api]\nresponses = \"reference\"\n", ServeConfig{});
  ASSERT_TRUE(reference.ok()) << reference.error().message();
  EXPECT_EQ(reference->responses, "reference");
  EXPECT_EQ(LoadTomlText("[api]\nresponses = \"aws\"\n", ServeConfig{}).error().message(),
            R"(api.responses must be "jobstream" or "reference" (got "aws"))");
  EXPECT_FALSE(LoadTomlText("[api]\nresponses = 1\n", ServeConfig{}).ok());
}

TEST(ServeConfigTest, ServiceNamesOnlyTheJobsApiAndNotAnotherApiOnThePort) {
  for (std::string_view taken : ServeConfig::kOtherServices) {
    ServeConfig config;
    config.service = taken;
    const std::string message = config.Validate().message();
    EXPECT_NE(message.find("auth.service names the jobs API's SigV4 service only"), std::string::npos) << message;
    EXPECT_NE(message.find(taken), std::string::npos) << message;
  }
  for (const std::string& bad :
       std::vector<std::string>{"Execute-API", "execute api", "execute-api/", std::string(65, 'a')}) {
    ServeConfig config;
    config.service = bad;
    EXPECT_NE(config.Validate().message().find("auth.service must be a SigV4 service name"), std::string::npos) << bad;
  }
  ServeConfig own;
  own.service = "jobs-api2";
  EXPECT_TRUE(own.Validate().ok());
}

TEST(ServeConfigTest, UnknownLogLevelIsRefusedListingTheValidOnes) {
  ServeConfig config;
  for (std::string_view level : LogLevels()) {
    config.log_level = level;
    EXPECT_TRUE(config.Validate().ok()) << level;
  }
  config.log_level = "verbose";
  EXPECT_EQ(config.Validate().message(),
            "log_level 'verbose' is not one of trace, debug, info, warn, error, critical, off");
  EXPECT_FALSE(LoadTomlText("log_level = \"INFO\"\n", ServeConfig{}).ok());
  EXPECT_FALSE(LoadTomlText("log_level = \"\"\n", ServeConfig{}).ok());
}

// Each of these once went through: wrapped into a narrower type (2^32 + 1 threads is 1 thread)
// or overflowing when the duration becomes nanoseconds (every request "expired").
TEST(ServeConfigTest, HugeValuesAreRefusedNotWrappedOrOverflowed) {
  const std::pair<const char*, const char*> cases[] = {
      {"[auth]\nmax_clock_skew_seconds = 9223372036854775807\n", "max_clock_skew must be between 1 and 86400 seconds"},
      {"[auth]\nmax_clock_skew_seconds = 86401\n", "max_clock_skew must be between 1 and 86400 seconds"},
      {"[http]\nio_threads = 4294967297\n", "setting 'http.io_threads' must be at most 2147483647"},
      {"[store]\nshards = 4294967300\n", "setting 'store.shards' must be at most 2147483647"},
      {"[http]\nread_timeout_seconds = 9223372036854775807\n", "read_timeout must be between 1 and 86400 seconds"},
      {"[http]\nidle_timeout_seconds = 86401\n", "idle_timeout must be between 1 and 86400 seconds"},
      {"[http]\nshutdown_grace_seconds = 9223372036854775807\n", "shutdown_grace must be between 0 and 3600 seconds"},
      {"[http]\nmax_connections = 9223372036854775807\n", "max_connections must be between 1 and 1000000"},
      {"[store]\nstream_retention_hours = 9223372036854775807\n", "stream_retention must be between 1 and 87600 hours"},
      {"[[consumers]]\nname = \"a\"\nbatch_size = 4294967297\n",
       "setting 'consumers[0].batch_size' must be at most 2147483647"},
      {"[[consumers]]\nname = \"a\"\nmax_record_age_seconds = 9223372036854775807\n",
       "consumer 'a': max_record_age must be between 1 and 604800 seconds"},
      {"[http]\nio_threads = -1\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"data_dir = \"\"\n", "data_dir must not be empty"},
      // Floats beyond int64 (found by the toml_config fuzz target: toml++ casts them unchecked).
      {"[http]\nio_threads = 1e24\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"[http]\nio_threads = -1e24\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"[http]\nio_threads = 9.223372036854775808e18\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"[http]\nio_threads = inf\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"[http]\nio_threads = nan\n", "setting 'http.io_threads' must be a non-negative integer"},
      {"[http]\nio_threads = 2.5\n", "setting 'http.io_threads' must be a non-negative integer"},
  };
  for (const auto& [toml, message] : cases) {
    auto config = LoadTomlText(toml, ServeConfig{});
    ASSERT_FALSE(config.ok()) << toml;
    EXPECT_EQ(config.error().message(), message) << toml;
  }
  // The bounds themselves are accepted.
  auto edges = LoadTomlText(
      "[auth]\nmax_clock_skew_seconds = 86400\n[http]\nread_timeout_seconds = 86400\nshutdown_grace_seconds = 0\n"
      "max_connections = 1000000\n[store]\nstream_retention_hours = 87600\n",
      ServeConfig{});
  EXPECT_TRUE(edges.ok()) << edges.error().message();
  // An integral float is the integer it spells.
  auto integral_float = LoadTomlText("[http]\nio_threads = 3.0\n", ServeConfig{});
  ASSERT_TRUE(integral_float.ok()) << integral_float.error().message();
  EXPECT_EQ(integral_float->io_threads, 3);
}

TEST(ServeConfigTest, ConfigFileMustBeAReadableRegularFile) {
  auto directory = LoadTomlFile(std::filesystem::temp_directory_path(), ServeConfig{});
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(),
            "config file " + std::filesystem::temp_directory_path().string() + " is not a regular file");
  auto missing = LoadTomlFile("/nonexistent/jobstream.toml", ServeConfig{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "config file /nonexistent/jobstream.toml does not exist");
}

TEST(ServeConfigTest, TheRequestModelPathIsRelativeToTheConfigFile) {
  EXPECT_TRUE(ServeConfig{}.request_model.empty());  // the built-in reference model
  auto text = LoadTomlText("[api]\nrequest_model = \"/etc/jobstream/model.json\"\n", ServeConfig{});
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(text->request_model, "/etc/jobstream/model.json");
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "serve-config-test-request-model";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "jobstream.toml") << "[api]\nrequest_model = \"models/jobs.json\"\n";
  auto file = LoadTomlFile(dir / "jobstream.toml", ServeConfig{});
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(file->request_model, (std::filesystem::absolute(dir) / "models/jobs.json").lexically_normal());
  auto wrong = LoadTomlText("[api]\nrequest_model = 5\n", ServeConfig{});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), "setting 'api.request_model' must be a string");
}

TEST(ServeConfigTest, ListenAddressParsesHostAndPort) {
  auto v4 = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 0);
  auto v6 = ParseListenAddress("[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 8080);
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:65536").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:http").ok());
}

}  // namespace
}  // namespace jobstream::config

namespace jobstream::config {
namespace {

#ifndef JOBSTREAM_TESTDATA_DIR
#define JOBSTREAM_TESTDATA_DIR "tests/testdata"
#endif

TEST(ServeConfigTest, ExampleFileDocumentsExactlyTheDefaults) {
  auto example =
      LoadTomlFile(std::string(JOBSTREAM_TESTDATA_DIR) + "/../../config/jobstream.example.toml", ServeConfig{});
  ASSERT_TRUE(example.ok()) << example.error().message();
  ServeConfig defaults;
  EXPECT_EQ(example->listen, defaults.listen);
  EXPECT_EQ(example->max_body_bytes, defaults.max_body_bytes);
  EXPECT_EQ(example->shards, defaults.shards);
  EXPECT_EQ(example->shutdown_grace, defaults.shutdown_grace);
  EXPECT_EQ(example->service, defaults.service);
  EXPECT_EQ(example->responses, defaults.responses);
  ASSERT_EQ(example->consumers.size(), defaults.consumers.size());
  for (std::size_t i = 0; i < defaults.consumers.size(); ++i) {
    EXPECT_EQ(example->consumers[i].name, defaults.consumers[i].name);
    EXPECT_EQ(example->consumers[i].filters, defaults.consumers[i].filters);
    EXPECT_EQ(example->consumers[i].parallelism, defaults.consumers[i].parallelism);
    EXPECT_EQ(example->consumers[i].timeout, defaults.consumers[i].timeout);
    EXPECT_EQ(example->consumers[i].max_record_age, defaults.consumers[i].max_record_age);
    EXPECT_EQ(example->consumers[i].enabled, defaults.consumers[i].enabled);
    EXPECT_EQ(example->consumers[i].on_failure, defaults.consumers[i].on_failure);
  }
  ASSERT_EQ(example->topics.size(), defaults.topics.size());
  for (std::size_t i = 0; i < defaults.topics.size(); ++i) {
    EXPECT_EQ(example->topics[i].name, defaults.topics[i].name);
    EXPECT_EQ(example->topics[i].subscribers, defaults.topics[i].subscribers);
  }
  ASSERT_EQ(example->event_buses.size(), defaults.event_buses.size());
  EXPECT_EQ(example->event_buses[0].name, defaults.event_buses[0].name);
  ASSERT_EQ(example->event_buses[0].archives.size(), 1U);
  EXPECT_EQ(example->event_buses[0].archives[0].name, defaults.event_buses[0].archives[0].name);
}

TEST(ServeConfigTest, TheFailurePathsTablesReplaceTheirDefaultsAndLoopsAreRefused) {
  // [[consumers]] without [[topics]]: the default topics (and so the default handlers) go.
  auto own = LoadTomlText("[[consumers]]\nname = \"a\"\n", ServeConfig{});
  ASSERT_TRUE(own.ok()) << own.error().message();
  EXPECT_TRUE(own->topics.empty());
  EXPECT_TRUE(own->AllFunctions().empty());
  // The defaults: both error handlers, sending what they cannot handle to failed-jobs.
  ServeConfig defaults;
  ASSERT_EQ(defaults.AllFunctions().size(), 2U);
  EXPECT_EQ(defaults.AllFunctions()[0].async.on_failure, "bus:failed-jobs");
  // A rule handing failed-jobs' events to a function that sends its failures to failed-jobs.
  auto loop = LoadTomlText(R"(
[[event_buses]]
name = "failed-jobs"
rules = [{ name = "again", targets = ["error_handler_1"] }]
)",
                           ServeConfig{});
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message().find("would loop"), std::string::npos) << loop.error().message();
  auto unknown_bus = LoadTomlText(R"(
[[event_buses]]
name = "elsewhere"
)",
                                  ServeConfig{});
  ASSERT_FALSE(unknown_bus.ok());
  EXPECT_NE(unknown_bus.error().message().find("names bus 'failed-jobs'"), std::string::npos);
}

}  // namespace
}  // namespace jobstream::config
