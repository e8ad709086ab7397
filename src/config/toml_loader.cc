// LoadTomlFile / LoadTomlText: the TOML form of ServeConfig (see config/jobstream.example.toml).
#include <toml++/toml.h>

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "config/serve_config.h"

namespace jobstream::config {
namespace {

// An integer setting's value: a TOML integer, or a float with an integral value (`2.0`).
// toml++'s own float-to-integer conversion casts before it checks the range (undefined
// behaviour for 1e24, found by the toml_config fuzz target), so floats are checked here.
std::optional<std::int64_t> IntegerOf(const toml::node& node) {
  if (const auto* integer = node.as_integer()) return integer->get();
  if (const auto* floating = node.as_floating_point()) {
    const double value = floating->get();
    // 2^63 is exactly representable; anything at or beyond it (or NaN) is out of range.
    constexpr double kLimit = 9223372036854775808.0;
    if (!(value > -kLimit && value < kLimit)) return std::nullopt;
    const auto integral = static_cast<std::int64_t>(value);
    if (static_cast<double>(integral) == value) return integral;
  }
  return std::nullopt;
}

// Reads typed keys out of one TOML table and reports unknown or mistyped keys by path.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  template <typename T>
  void Read(std::string_view key, T& out) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr || !error_.ok()) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto value = node->value<std::string>()) return void(out = *value);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto value = node->value<bool>()) return void(out = *value);
    } else {
      if (auto value = IntegerOf(*node); value && *value >= 0) {
        // Never truncated into a narrower type (2^32 + 1 must not become 1).
        if (std::in_range<T>(*value)) return void(out = static_cast<T>(*value));
        return Fail(key, fmt::format("at most {}", std::numeric_limits<T>::max()));
      }
    }
    if constexpr (std::is_same_v<T, std::string>) {
      Fail(key, "a string");
    } else if constexpr (std::is_same_v<T, bool>) {
      Fail(key, "true or false");
    } else {
      Fail(key, "a non-negative integer");
    }
  }

  // An integer that may be negative (max_retries' -1); its range is the setting's own check.
  void ReadSigned(std::string_view key, int& out) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr || !error_.ok()) return;
    if (auto value = IntegerOf(*node); value && std::in_range<int>(*value)) return void(out = static_cast<int>(*value));
    Fail(key, "an integer");
  }

  template <typename Duration>
  void ReadDuration(std::string_view key, Duration& out) {
    std::int64_t count = out.count();
    Read(key, count);
    out = Duration(count);
  }

  void ReadStrings(std::string_view key, std::vector<std::string>& out) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr || !error_.ok()) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) return Fail(key, "an array of strings");
    out.clear();
    for (const toml::node& element : *array) {
      auto text = element.value<std::string>();
      if (!text) return Fail(key, "an array of strings");
      out.push_back(*text);
    }
  }

  void MarkKnown(std::string_view key) { known_.insert(std::string(key)); }

  Status Finish() {
    if (!error_.ok()) return error_;
    for (const auto& [key, node] : table_) {
      if (!known_.contains(std::string(key.str()))) {
        return Status::InvalidArgument(fmt::format("unknown setting '{}{}'", path_, key.str()));
      }
    }
    return Status::Ok();
  }

 private:
  void Fail(std::string_view key, std::string_view expected) {
    error_ = Status::InvalidArgument(fmt::format("setting '{}{}' must be {}", path_, key, expected));
  }

  const toml::table& table_;
  std::string path_;
  std::set<std::string> known_;
  Status error_;
};

Status ReadConsumer(const toml::table& table, std::size_t index, consumers::ConsumerConfig& consumer) {
  TableReader reader(table, fmt::format("consumers[{}].", index));
  reader.Read("name", consumer.name);
  reader.Read("function", consumer.function);
  reader.ReadStrings("filters", consumer.filters);
  reader.Read("batch_size", consumer.batch_size);
  reader.ReadDuration("batching_window_ms", consumer.batching_window);
  reader.Read("parallelism", consumer.parallelism);
  reader.ReadSigned("max_retries", consumer.max_retries);
  reader.ReadDuration("retry_backoff_base_ms", consumer.retry_backoff_base);
  reader.ReadDuration("retry_backoff_max_ms", consumer.retry_backoff_max);
  reader.Read("bisect_batch_on_error", consumer.bisect_batch_on_error);
  reader.ReadDuration("max_record_age_seconds", consumer.max_record_age);
  reader.ReadDuration("timeout_seconds", consumer.timeout);
  consumer.timeout_set = table.contains("timeout_seconds");
  reader.ReadDuration("running_grace_ms", consumer.running_grace);
  reader.Read("enabled", consumer.enabled);
  reader.Read("record_outcome", consumer.record_outcome);
  reader.ReadStrings("function_response_types", consumer.function_response_types);
  reader.Read("on_failure", consumer.on_failure);
  return reader.Finish();
}

Status ReadFunction(const toml::table& table, std::size_t index, functions::FunctionConfig& function) {
  std::string path = fmt::format("functions[{}].", index);
  TableReader reader(table, path);
  reader.Read("name", function.name);
  std::string runtime(functions::ToString(function.runtime));
  reader.Read("runtime", runtime);
  reader.ReadStrings("command", function.command);
  std::string working_dir = function.working_dir.string();
  reader.Read("working_dir", working_dir);
  if (table.contains("code_dir") && table.contains("working_dir")) {
    return Status::InvalidArgument(fmt::format("setting '{}code_dir' is an alias of working_dir: set one", path));
  }
  reader.Read("code_dir", working_dir);
  function.working_dir = working_dir;
  reader.Read("handler", function.handler);
  std::vector<std::string> layers;
  reader.ReadStrings("layers", layers);
  function.layers.assign(layers.begin(), layers.end());
  reader.Read("workers", function.workers);
  if (table.contains("workers") && function.workers == 0) {
    return Status::InvalidArgument(fmt::format("setting '{}workers' must be at least 1", path));
  }
  function.concurrency_set = table.contains("concurrency");
  reader.MarkKnown("environment");
  if (table.contains("timeout_seconds")) {
    std::chrono::seconds timeout{0};
    reader.ReadDuration("timeout_seconds", timeout);
    function.timeout = timeout;
  }
  reader.MarkKnown("timeout_seconds");
  reader.Read("concurrency", function.concurrency);
  reader.Read("memory_mb", function.memory_mb);
  reader.Read("role", function.role);
  reader.ReadDuration("credential_lifetime_seconds", function.credential_lifetime);
  reader.Read("builtin", function.builtin);
  reader.Read("error_type", function.error_type);
  reader.Read("error_message", function.error_message);
  reader.Read("failures", function.failures);
  reader.MarkKnown("async");
  if (Status status = reader.Finish(); !status.ok()) return status;
  if (const toml::node* node = table.get("async")) {
    const toml::table* async = node->as_table();
    if (async == nullptr) return Status::InvalidArgument(fmt::format("setting '{}async' must be a table", path));
    TableReader async_reader(*async, path + "async.");
    async_reader.Read("max_retries", function.async.max_retries);
    async_reader.ReadDuration("max_event_age_seconds", function.async.max_event_age);
    async_reader.ReadDuration("retry_delay_ms", function.async.retry_delay);
    async_reader.Read("on_failure", function.async.on_failure);
    if (Status status = async_reader.Finish(); !status.ok()) return status;
  }
  if (Status status = functions::ParseRuntime(runtime, function.runtime); !status.ok()) {
    return Status::InvalidArgument(fmt::format("setting '{}runtime': {}", path, status.message()));
  }
  if (const toml::node* node = table.get("environment")) {
    const toml::table* environment = node->as_table();
    if (environment == nullptr) {
      return Status::InvalidArgument(fmt::format("setting '{}environment' must be a table of strings", path));
    }
    for (const auto& [key, value] : *environment) {
      auto text = value.value<std::string>();
      if (!text) {
        return Status::InvalidArgument(fmt::format("setting '{}environment.{}' must be a string", path, key.str()));
      }
      function.environment.emplace_back(std::string(key.str()), *text);
    }
  }
  return Status::Ok();
}

Status ReadArchive(const toml::table& table, std::size_t index, destinations::ArchiveConfig& archive) {
  TableReader reader(table, fmt::format("archives[{}].", index));
  reader.Read("name", archive.name);
  reader.Read("pattern", archive.pattern);
  reader.Read("retention_days", archive.retention_days);
  return reader.Finish();
}

Status ReadRule(const toml::table& table, std::size_t index, destinations::RuleConfig& rule) {
  TableReader reader(table, fmt::format("rules[{}].", index));
  reader.Read("name", rule.name);
  reader.Read("pattern", rule.pattern);
  reader.ReadStrings("targets", rule.targets);
  return reader.Finish();
}

Status ReadTopic(const toml::table& table, std::size_t index, destinations::TopicConfig& topic) {
  TableReader reader(table, fmt::format("topics[{}].", index));
  reader.Read("name", topic.name);
  reader.ReadStrings("subscribers", topic.subscribers);
  return reader.Finish();
}

// An array of tables ([[name]]): when the file has it, it replaces `out` (the defaults), each
// table read by `read(table, index, entry)`.
template <typename Entry>
Status ReadTables(const toml::table& root, std::string_view name,
                  Status (*read)(const toml::table&, std::size_t, Entry&), std::vector<Entry>& out) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return Status::Ok();
  auto not_tables = [name] {
    return Status::InvalidArgument(fmt::format("'{}' must be an array of tables ([[{}]])", name, name));
  };
  const toml::array* array = node->as_array();
  if (array == nullptr) return not_tables();
  out.clear();
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) return not_tables();
    Entry entry;
    if (Status status = read(*table, i, entry); !status.ok()) return status;
    out.push_back(std::move(entry));
  }
  return Status::Ok();
}

Status ReadEventBus(const toml::table& table, std::size_t index, destinations::EventBusConfig& bus) {
  TableReader reader(table, fmt::format("event_buses[{}].", index));
  reader.Read("name", bus.name);
  reader.MarkKnown("archives");
  reader.MarkKnown("rules");
  if (Status status = reader.Finish(); !status.ok()) return status;
  if (Status status = ReadTables(table, "archives", ReadArchive, bus.archives); !status.ok()) return status;
  return ReadTables(table, "rules", ReadRule, bus.rules);
}

Status ReadSection(const toml::table& root, std::string_view name, const std::function<void(TableReader&)>& read) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return Status::Ok();
  const toml::table* table = node->as_table();
  if (table == nullptr) return Status::InvalidArgument(fmt::format("'{}' must be a table", name));
  TableReader reader(*table, std::string(name) + ".");
  read(reader);
  return reader.Finish();
}

}  // namespace

Result<ServeConfig> LoadTomlText(std::string_view text, ServeConfig config) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& error) {
    return Status::InvalidArgument(
        fmt::format("invalid TOML at line {}: {}", error.source().begin.line, error.description()));
  }
  TableReader top(root, "");
  std::string data_dir = config.data_dir.string();
  top.Read("data_dir", data_dir);
  config.data_dir = data_dir;
  top.Read("listen", config.listen);
  top.Read("log_level", config.log_level);
  for (const char* section : {"http", "auth", "api", "store", "consumers", "functions", "topics", "event_buses"})
    top.MarkKnown(section);
  if (Status status = top.Finish(); !status.ok()) return status;

  Status status = ReadSection(root, "http", [&config](TableReader& r) {
    r.Read("io_threads", config.io_threads);
    r.Read("max_body_bytes", config.max_body_bytes);
    r.Read("max_header_bytes", config.max_header_bytes);
    r.ReadDuration("read_timeout_seconds", config.read_timeout);
    r.ReadDuration("idle_timeout_seconds", config.idle_timeout);
    r.Read("max_connections", config.max_connections);
    r.ReadDuration("shutdown_grace_seconds", config.shutdown_grace);
  });
  if (!status.ok()) return status;
  status = ReadSection(root, "auth", [&config](TableReader& r) {
    r.Read("region", config.region);
    r.Read("service", config.service);
    r.ReadDuration("max_clock_skew_seconds", config.max_clock_skew);
  });
  if (!status.ok()) return status;
  std::string request_model = config.request_model.string();
  status = ReadSection(root, "api", [&config, &request_model](TableReader& r) {
    r.Read("responses", config.responses);
    r.Read("request_model", request_model);
  });
  if (!status.ok()) return status;
  config.request_model = request_model;
  std::string view_type(stream::ToString(config.stream_view_type));
  status = ReadSection(root, "store", [&config, &view_type](TableReader& r) {
    r.Read("shards", config.shards);
    r.ReadDuration("stream_retention_hours", config.stream_retention);
    r.Read("stream_view_type", view_type);
    r.Read("group_commit_max_batch", config.group_commit_max_batch);
    r.Read("max_size_mb", config.max_size_mb);
    r.Read("account_id", config.account_id);
    r.Read("table_name", config.table_name);
  });
  if (!status.ok()) return status;
  if (!stream::ParseStreamViewType(view_type, config.stream_view_type)) {
    return Status::InvalidArgument("store.stream_view_type must be NEW_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY");
  }

  if (status = ReadTables(root, "consumers", ReadConsumer, config.consumers); !status.ok()) return status;
  if (root.contains("consumers") && !root.contains("topics")) {
    config.topics.clear();  // the default topics belong to the default consumers
  }
  if (status = ReadTables(root, "topics", ReadTopic, config.topics); !status.ok()) return status;
  if (status = ReadTables(root, "functions", ReadFunction, config.functions); !status.ok()) return status;
  if (status = ReadTables(root, "event_buses", ReadEventBus, config.event_buses); !status.ok()) return status;
  if (status = config.Validate(); !status.ok()) return status;
  return config;
}

Result<ServeConfig> LoadTomlFile(const std::filesystem::path& path, ServeConfig base) {
  // A directory opens as an empty stream: without this check `--config /etc/jobstream` would be
  // an empty configuration, every setting silently at its default.
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    if (std::filesystem::exists(path, error)) {
      return Status::InvalidArgument(fmt::format("config file {} is not a regular file", path.string()));
    }
    return Status::InvalidArgument(fmt::format("config file {} does not exist", path.string()));
  }
  std::ifstream file(path);
  if (!file) {
    return Status::InvalidArgument(
        fmt::format("cannot read config file {}: {}", path.string(), std::generic_category().message(errno)));
  }
  std::stringstream text;
  text << file.rdbuf();
  auto loaded = LoadTomlText(text.str(), std::move(base));
  if (!loaded.ok()) return Status::InvalidArgument(fmt::format("{}: {}", path.string(), loaded.error().message()));
  // A function's code usually sits beside the file that configures it: its working directory
  // is taken from there, whatever directory the server was started in.
  std::error_code ec;
  std::filesystem::path config_dir = std::filesystem::absolute(path, ec).parent_path();
  if (!loaded->request_model.empty() && loaded->request_model.is_relative()) {
    loaded->request_model = (config_dir / loaded->request_model).lexically_normal();
  }
  for (functions::FunctionConfig& function : loaded->functions) {
    if (function.runtime == functions::Runtime::kBuiltin) continue;
    if (function.working_dir.is_relative())
      function.working_dir = (config_dir / function.working_dir).lexically_normal();
    for (auto& layer : function.layers) {
      if (layer.is_relative()) layer = (config_dir / layer).lexically_normal();
    }
  }
  return loaded;
}

}  // namespace jobstream::config
