// Everything `jobstream serve` can be told, with its defaults. Sources, weakest first:
// built-in defaults < TOML file (--config) < environment (JOBSTREAM_*) < command-line flags.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "consumers/consumer_config.h"
#include "destinations/event_bus_config.h"
#include "destinations/topic.h"
#include "functions/function_config.h"
#include "stream/stream_record.h"

namespace jobstream::config {

struct ServeConfig {
  std::filesystem::path data_dir = "./data";
  std::string listen = "127.0.0.1:8080";
  std::string log_level = "info";

  // [http]
  int io_threads = 1;
  std::size_t max_body_bytes = std::size_t{256} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds idle_timeout{60};
  std::size_t max_connections = 10000;
  std::chrono::seconds shutdown_grace{10};

  // [auth]
  std::string region = "us-east-1";
  // The credential scope's service of the jobs API's requests, and nothing else: requests scoped
  // to one of kOtherServices go to that service's API, so the jobs API may not take their names.
  std::string service = "execute-api";
  std::chrono::seconds max_clock_skew{300};
  // The other services answering on the same port (STS, IAM, DynamoDB and its streams, EventBridge).
  static constexpr std::array<std::string_view, 4> kOtherServices = {"sts", "iam", "dynamodb", "events"};

  // [api]
  // "jobstream" (its own answers) or "reference": POST /jobs and GET /jobs/{id} answer as the
  // reference deployment's mapping templates render (api/reference_answers.h).
  std::string responses = "jobstream";
  // A JSON Schema (draft 4) file POST /jobs bodies must conform to, relative to the config file's
  // directory or absolute; empty: the reference model (api/request_model.h).
  std::filesystem::path request_model;

  // [store]
  int shards = 4;
  std::chrono::hours stream_retention{24};
  stream::StreamViewType stream_view_type = stream::StreamViewType::kNewImage;
  std::size_t group_commit_max_batch = 1024;
  std::uint64_t max_size_mb = 0;  // the database file's bound (0: none but the disk's)
  // Chosen when the data directory is created, fixed afterwards (see common/aws_account.h).
  std::string account_id;  // empty: a random one
  std::string table_name = "jobs";

  // [[consumers]]: by default the reference deployment's two consumers, each sending its failed
  // records to its own topic.
  std::vector<consumers::ConsumerConfig> consumers = DefaultConsumers();

  // [[topics]]: by default consumer_N_failures, subscribed by error_handler_N. A file that defines
  // [[consumers]] but no [[topics]] has none (the default topics belong to the default consumers).
  std::vector<destinations::TopicConfig> topics = DefaultTopics();

  // [[event_buses]]: by default "failed-jobs", whose archive "failed-jobs-archive" keeps every
  // event forever: where the default error handlers send what they could not handle.
  std::vector<destinations::EventBusConfig> event_buses = DefaultEventBuses();

  // [[functions]]: named functions consumers and topics refer to. The default error handlers
  // (error_handler_N: record-failure, 5 s, no async retries) exist unless a file defines a
  // function of that name, so a file with its own [[functions]] keeps the default topics working.
  std::vector<functions::FunctionConfig> functions;

  // Upper bounds of Validate that are not obvious from the setting (documented in
  // config/jobstream.example.toml).
  static constexpr std::chrono::seconds kMaxTimeout{86400};  // read and idle timeouts: a day
  static constexpr std::chrono::seconds kMaxShutdownGrace{3600};
  static constexpr std::chrono::seconds kMaxClockSkew{86400};
  static constexpr std::chrono::hours kMaxStreamRetention{87600};  // ten years
  static constexpr std::size_t kMaxConnections = 1000000;

  static std::vector<consumers::ConsumerConfig> DefaultConsumers();
  static std::vector<destinations::TopicConfig> DefaultTopics();
  static std::vector<destinations::EventBusConfig> DefaultEventBuses();
  // error_handler_1 and error_handler_2, as the reference deploys them.
  static std::vector<functions::FunctionConfig> DefaultErrorHandlers();
  // The functions serve builds: `functions`, and the default error handlers it does not redefine
  // that a topic subscribes.
  std::vector<functions::FunctionConfig> AllFunctions() const;
  // Range checks over every setting; the message names the setting and its valid range.
  Status Validate() const;
};

// The log levels log_level accepts, in order: trace, debug, info, warn, error, critical, off.
const std::vector<std::string_view>& LogLevels();

// Reads TOML (a file, or text) over the given configuration: settings it names replace those of
// `base`/`config`. Unknown keys are errors, so a typo never goes unnoticed.
Result<ServeConfig> LoadTomlFile(const std::filesystem::path& path, ServeConfig base);
Result<ServeConfig> LoadTomlText(std::string_view text, ServeConfig config);

// Splits "HOST:PORT" (port 0 = any free port).
Result<std::pair<std::string, std::uint16_t>> ParseListenAddress(std::string_view listen);

}  // namespace jobstream::config
