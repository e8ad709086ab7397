#include "cli/serve_command.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <charconv>
#include <functional>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

#include "api/jobs_api.h"
#include "api/request_model.h"
#include "auth/function_identity.h"
#include "auth/key_file.h"
#include "auth/key_last_use.h"
#include "auth/session_token.h"
#include "config/serve_config.h"
#include "consumers/consumer_set.h"
#include "destinations/delivery_queue.h"
#include "destinations/failure_path.h"
#include "dynamodb/streams_api.h"
#include "dynamodb/table_api.h"
#include "dynamodb/table_request.h"
#include "events_api/events_api.h"
#include "functions/record_failure_function.h"
#include "http/server.h"
#include "iam/account_id.h"
#include "store/sqlite_job_store.h"

namespace jobstream::cli {
namespace {

// How often the keys' last use is saved while serving (auth/key_last_use.h).
constexpr std::chrono::seconds kKeyLastUseSaveInterval{60};

// DynamoDB's 15 minutes, unless a test shortens it (JOBSTREAM_TEST_SHARD_ITERATOR_LIFETIME_MS, not
// a setting: nothing but the expiry tests has a reason to change it).
std::chrono::milliseconds ShardIteratorLifetime() {
  // flawfinder: ignore (read once at startup, parsed strictly, and it can only shorten the lifetime)
  const char* text = std::getenv("JOBSTREAM_TEST_SHARD_ITERATOR_LIFETIME_MS");  // NOLINT(concurrency-mt-unsafe)
  if (text == nullptr) return dynamodb::ShardIterators::kLifetime;
  const std::string_view digits(text);
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
  if (ec != std::errc() || end != digits.data() + digits.size() || ms < 1 ||
      ms >= dynamodb::ShardIterators::kLifetime.count()) {
    return dynamodb::ShardIterators::kLifetime;
  }
  spdlog::warn("shard iterators expire after {} ms (JOBSTREAM_TEST_SHARD_ITERATOR_LIFETIME_MS)", ms);
  return std::chrono::milliseconds(ms);
}

// Flags as given; unset ones leave the file's (or the default) value alone.
struct ServeFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> listen;
  std::optional<std::string> log_level;
  std::optional<int> io_threads;
  std::optional<std::size_t> max_body_bytes;
  std::optional<std::size_t> max_header_bytes;
  std::optional<int> read_timeout;
  std::optional<int> idle_timeout;
  std::optional<std::size_t> max_connections;
  std::optional<std::string> region;
  std::optional<std::string> service;
  std::optional<int> max_clock_skew;
  std::optional<int> shards;
  std::optional<int> stream_retention_hours;
  std::optional<std::string> stream_view_type;
};

constexpr const char* kConsumerHelp = R"(
Consumers are configured in the TOML file only, one [[consumers]] table each:
  name = "consumer_1"                       unique name, [A-Za-z0-9_-]
  function = "sleep"                        a [[functions]] name, or built-in: sleep | noop
  filters = ['{"eventName": ["INSERT"]}']   Lambda filter patterns, OR'ed ([] = every record)
  batch_size = 1                            records per invocation
  batching_window_ms = 0                    wait up to this long to fill a batch
  parallelism = 1000                        concurrent batches per shard (per-job order kept)
  max_retries = 0                           retries of a failed record before Failure
  max_record_age_seconds = 21600            older records fail with RecordAgeExceeded
  timeout_seconds = 300                     timeout of a function without its own
  running_grace_ms = 100                    write Running only once a function runs this long
  enabled = true                            false: start paused (PUT /consumers/{name} resumes)
Without [[consumers]], two consumers (consumer_1, consumer_2) run `sleep` on INSERT records.
Functions of your own, one [[functions]] table each (see config/jobstream.example.toml):
  name = "sample"                           what consumers' `function` names
  runtime = "exec"                          exec (one process per invocation) | builtin
  command = ["python3", "handler.py"]       argv, no shell; event on stdin, result on stdout
  working_dir = "."                         relative to the configuration file
  environment = { KEY = "value" }           added to a small environment of its own
  timeout_seconds = 300                     SIGTERM to its process group, SIGKILL 2 s later
  concurrency = 100                         processes at once; more invocations wait
  memory_mb = 128                           shown to it, not enforced
TOML sections: top level (data_dir, listen, log_level), [http] (io_threads, max_body_bytes,
max_header_bytes, read_timeout_seconds, idle_timeout_seconds, max_connections,
shutdown_grace_seconds), [auth] (region, service, max_clock_skew_seconds), [store] (shards,
stream_retention_hours, stream_view_type, group_commit_max_batch, max_size_mb). Unknown keys and
out-of-range values refuse the start; config/jobstream.example.toml gives every range.
Precedence: flags > environment > TOML file > defaults.)";

template <typename T, typename U>
void Overlay(const std::optional<T>& flag, U& target) {
  if (flag) target = static_cast<U>(*flag);
}

Result<config::ServeConfig> BuildConfig(const ServeFlags& flags) {
  config::ServeConfig config;
  if (flags.config_file) {
    auto loaded = config::LoadTomlFile(*flags.config_file, config);
    if (!loaded.ok()) return loaded.error();
    config = std::move(loaded).value();
  }
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  Overlay(flags.listen, config.listen);
  Overlay(flags.log_level, config.log_level);
  Overlay(flags.io_threads, config.io_threads);
  Overlay(flags.max_body_bytes, config.max_body_bytes);
  Overlay(flags.max_header_bytes, config.max_header_bytes);
  if (flags.read_timeout) config.read_timeout = std::chrono::seconds(*flags.read_timeout);
  if (flags.idle_timeout) config.idle_timeout = std::chrono::seconds(*flags.idle_timeout);
  Overlay(flags.max_connections, config.max_connections);
  Overlay(flags.region, config.region);
  Overlay(flags.service, config.service);
  if (flags.max_clock_skew) config.max_clock_skew = std::chrono::seconds(*flags.max_clock_skew);
  Overlay(flags.shards, config.shards);
  if (flags.stream_retention_hours) config.stream_retention = std::chrono::hours(*flags.stream_retention_hours);
  if (flags.stream_view_type && !stream::ParseStreamViewType(*flags.stream_view_type, config.stream_view_type)) {
    return Status::InvalidArgument("--stream-view-type must be NEW_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY");
  }
  if (Status status = config.Validate(); !status.ok()) return status;
  return config;
}

// A data directory is new when it holds neither keys nor jobs (it may not exist yet). Checked
// before anything is opened: the key file's existence, even with an empty list, is the durable
// record that the directory was initialised, and the store's database backs it up.
bool IsNewDataDirectory(const std::filesystem::path& data_dir) {
  for (const char* name : {"credentials.json", "jobs.db"}) {
    std::error_code error;
    // An error other than "not there" (no permission to look) counts as not new: never a key.
    if (std::filesystem::exists(data_dir / name, error) || error) return false;
  }
  return true;
}

// Only the first start of a new data directory makes a key, so the server is usable at once.
// Later starts never do, even with no key left: deleting the last key is a revocation that a
// restart must not undo.
Status EnsureFirstKey(auth::KeyFile& keys, const config::ServeConfig& config, const std::string& url,
                      bool new_data_dir) {
  if (!keys.List().empty()) return Status::Ok();
  if (!new_data_dir) {
    spdlog::warn(
        "{} holds no access keys: every request is refused (403) until you create one with "
        "`jobstream keys create --data-dir {}`; a running server takes it within a second",
        keys.path().string(), config.data_dir.string());
    return Status::Ok();
  }
  auto created = keys.Create("jobstream-admin");
  if (!created.ok()) return created.error();
  std::cout << "Created an access key (shown once; it is stored in " << keys.path().string() << "):\n"
            << auth::CreateAccessKeyJson(*created) << "\n"
            << "Try it:\n"
            << fmt::format(
                   "  curl --aws-sigv4 \"aws:amz:{}:{}\" --user \"{}:{}\" -H 'Content-Type: application/json' "
                   "-d '{{\"seconds\": 1}}' {}/jobs\n",
                   config.region, config.service, created->access_key_id, created->secret_access_key, url)
            << std::flush;
  return Status::Ok();
}

// The execution role a process-running function runs as.
std::string FunctionRole(const functions::FunctionConfig& function) {
  return function.role.empty() ? std::string(auth::kDefaultFunctionRoleName) : function.role;
}

// Every exec and lambda function's role exists (the default one is made when missing) and trusts
// Lambda, or the server does not start: a function whose every call would be refused is a
// configuration error, found now rather than at its first job. The per-function users of earlier
// versions lose the implicit full rights a file from before identities gives them.
Status EnsureFunctionRoles(const std::vector<functions::FunctionConfig>& functions, auth::KeyFile& keys,
                           const AwsAccount& account) {
  for (const functions::FunctionConfig& function : functions) {
    if (function.runtime == functions::Runtime::kBuiltin) continue;
    if (Status status = auth::EnsureFunctionRole(keys, account, FunctionRole(function), function.name); !status.ok()) {
      return status;
    }
    if (Status status = auth::RetireLegacyFunctionUser(keys, function.name); !status.ok()) return status;
  }
  return Status::Ok();
}

// Each connection is a file descriptor: the default soft limit (often 1024) would cap
// max_connections far below its default, so take the hard limit.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int RunServe(const ServeFlags& flags) {
  // Everything the server creates (jobs.db and its log, the lock, the marker) is for its own user
  // only, whatever umask it inherited: job parameters and results are the users' data.
  ::umask(0077);
  RaiseOpenFileLimit();
  auto loaded = BuildConfig(flags);
  if (!loaded.ok()) {
    std::cerr << "jobstream serve: " << loaded.error().message() << "\n";
    return 2;
  }
  const config::ServeConfig& config = *loaded;
  std::optional<JsonSchema> request_model;
  if (!config.request_model.empty()) {
    auto model = api::LoadRequestModel(config.request_model);
    if (!model.ok()) {
      std::cerr << "jobstream serve: " << model.error().message() << "\n";
      return 2;
    }
    request_model = std::move(model).value();
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("jobstream"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  auto fail = [](const Status& status) {
    std::cerr << "jobstream serve: " << status.message() << "\n";
    return 1;
  };

  const bool new_data_dir = IsNewDataDirectory(config.data_dir);
  // The one place the account id comes from (DATA_DIR/account, chosen by store.account_id when
  // the directory is new); everything else receives it.
  auto account_id = iam::LoadOrCreateAccountId(config.data_dir, config.account_id);
  if (!account_id.ok()) return fail(account_id.error());
  auth::KeyFileOptions key_options;
  key_options.create = true;  // serve may start a new data directory
  key_options.account_id = *account_id;
  auto keys = auth::KeyFile::Open(config.data_dir, key_options);
  if (!keys.ok()) return fail(keys.error());
  store::SqliteStoreOptions store_options;
  store_options.data_dir = config.data_dir;
  store_options.shards = config.shards;
  store_options.view_type = config.stream_view_type;
  store_options.retention = config.stream_retention;
  store_options.region = config.region;
  store_options.max_batch = config.group_commit_max_batch;
  store_options.max_size_bytes = config.max_size_mb * 1024 * 1024;
  store_options.account_id = *account_id;
  store_options.table_name = config.table_name;
  auto store = store::SqliteJobStore::Open(store_options);
  if (!store.ok()) return fail(store.error());
  spdlog::info("table {} (account {}), stream {}", (*store)->account().TableArn(), (*store)->account().id,
               (*store)->account().StreamArn());

  boost::asio::io_context http_io(config.io_threads);
  boost::asio::io_context worker_io(1);
  auto session_tokens = auth::SessionTokens::Load(config.data_dir);
  if (!session_tokens.ok()) return fail(session_tokens.error());
  const std::vector<functions::FunctionConfig> all_functions = config.AllFunctions();
  auto lambda_host = std::make_shared<functions::LambdaHost>(config.region, *account_id, functions::FindRuntimesDir());
  lambda_host->SetCredentialSource(
      [&key_file = **keys, &tokens = **session_tokens](
          const functions::FunctionConfig& function) -> Result<functions::FunctionCredentials> {
        auto issued = auth::AssumeFunctionRole(key_file, tokens, FunctionRole(function), function.name,
                                               function.credential_lifetime, std::chrono::system_clock::now());
        if (!issued.ok()) return issued.error();
        const auth::Credential& key = issued->temporary.credential;
        return functions::FunctionCredentials{key.access_key_id, key.secret_access_key, issued->session_token,
                                              issued->temporary.session.expiration};
      });
  auto functions = functions::FunctionRegistry::WithBuiltins(lambda_host);
  functions.Register(std::string(functions::RecordFailureFunction::kName),
                     [&job_store = **store, by_topic = destinations::ConsumersByTopic(config.consumers)](
                         const functions::FunctionConfig&,
                         const boost::asio::any_io_executor& executor) -> Result<std::unique_ptr<functions::Function>> {
                       return std::unique_ptr<functions::Function>(
                           std::make_unique<functions::RecordFailureFunction>(job_store, by_topic, executor));
                     });
  auto consumer_set = consumers::ConsumerSet::Create(config.consumers, all_functions, functions, **store, worker_io);
  if (!consumer_set.ok()) return fail(consumer_set.error());
  auto delivery_queue = destinations::DeliveryQueue::Open(config.data_dir);
  if (!delivery_queue.ok()) return fail(delivery_queue.error());
  auto failure_path =
      destinations::FailurePath::Create(config.topics, config.event_buses, config.consumers, all_functions, functions,
                                        **delivery_queue, (*store)->account(), worker_io);
  if (!failure_path.ok()) return fail(failure_path.error());
  if (Status status = (*consumer_set)->AttachFailureDestinations([&path = **failure_path](std::string_view consumer) {
        return path.DestinationFor(consumer);
      });
      !status.ok()) {
    return fail(status);
  }

  auth::VerifierOptions verifier_options{
      config.region,
      config.service,
      {config::ServeConfig::kOtherServices.begin(), config::ServeConfig::kOtherServices.end()},
      true,
      config.max_clock_skew};
  verifier_options.global_services = {"iam"};
  auth::SigV4Verifier verifier(verifier_options, **keys, session_tokens->get());
  auto key_last_use = auth::KeyLastUse::Load(config.data_dir);
  if (!key_last_use.ok()) return fail(key_last_use.error());
  verifier.TrackLastUse(key_last_use->get());
  auth::Authorizer authorizer(**keys, *account_id);
  sts::StsApi sts_api(authorizer, **session_tokens);
  iam_api::IamApi iam_api(authorizer, **keys, key_last_use->get());
  auto shard_iterators =
      dynamodb::ShardIterators::Load(config.data_dir, (*store)->account().StreamArn(), ShardIteratorLifetime());
  if (!shard_iterators.ok()) return fail(shard_iterators.error());
  dynamodb::StreamsApi streams_api(**store, **shard_iterators, config.stream_view_type);
  dynamodb::JsonProtocol dynamodb_protocol;
  dynamodb_protocol.Register(std::string(dynamodb::kStreamsTargetPrefix), streams_api.Operations());
  dynamodb::TableApi table_api(**store, config.stream_view_type);
  dynamodb_protocol.Register(std::string(dynamodb::kTableTargetPrefix), table_api.Operations());
  events_api::EventsApi events_api((*failure_path)->replayer(), authorizer, (*store)->account());
  dynamodb::JsonProtocol events_protocol(dynamodb::kJson11ContentType);
  events_protocol.Register(std::string(events_api::kTargetPrefix), events_api.Operations());
  api::IdentityServices identity{authorizer, sts_api, config.region, &dynamodb_protocol, &iam_api, &events_protocol};
  api::JobsApi jobs_api(
      verifier, **store, [&sets = *consumer_set](const store::Job& job) { return sets->InitialStates(job); },
      consumer_set->get(), &identity);
  if (config.responses == "reference") jobs_api.SetResponseStyle(api::ResponseStyle::kReference);
  if (request_model) jobs_api.UseRequestModel(std::move(*request_model));
  if (config.stream_view_type == stream::StreamViewType::kKeysOnly) {
    jobs_api.RefuseReruns("Re-runs need the stream's new images: this server's stream_view_type is KEYS_ONLY");
  }
  http::ServerLimits limits;
  limits.max_body_bytes = config.max_body_bytes;
  limits.max_header_bytes = config.max_header_bytes;
  limits.read_timeout = config.read_timeout;
  limits.idle_timeout = config.idle_timeout;
  limits.max_connections = config.max_connections;
  http::Server server(http_io, limits, jobs_api);
  auto address = config::ParseListenAddress(config.listen);
  if (Status status = server.Listen(address->first, address->second); !status.ok()) return fail(status);
  auto endpoint = server.local_endpoint();
  std::string url = endpoint.address().is_v6()
                        ? fmt::format("http://[{}]:{}", endpoint.address().to_string(), endpoint.port())
                        : fmt::format("http://{}:{}", endpoint.address().to_string(), endpoint.port());
  if (Status status = EnsureFirstKey(**keys, config, url, new_data_dir); !status.ok()) return fail(status);
  // After the first key: making roles explicit in a new file first would leave its administrator
  // without the implicit full rights. Before any function runs (workers start with the URL below).
  if (Status status = EnsureFunctionRoles(all_functions, **keys, (*store)->account()); !status.ok()) {
    return fail(status);
  }

  auto http_work = boost::asio::make_work_guard(http_io);
  auto worker_work = boost::asio::make_work_guard(worker_io);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(config.io_threads) + 1);
  for (int i = 0; i < config.io_threads; ++i) {
    threads.emplace_back([&http_io] {
      pthread_setname_np(pthread_self(), "js-http");
      http_io.run();
    });
  }
  threads.emplace_back([&worker_io] {
    pthread_setname_np(pthread_self(), "js-consumers");
    worker_io.run();
  });

  std::promise<int> signalled;
  boost::asio::signal_set signals(http_io, SIGINT, SIGTERM);
  signals.async_wait([&signalled](const boost::system::error_code& ec, int signal) {
    if (!ec) signalled.set_value(signal);
  });

  // Keys' last use is saved once a minute (when it changed) and at the end: a crash forgets at
  // most a minute of it, and the request path never writes.
  boost::asio::steady_timer last_use_timer(worker_io);
  std::function<void()> save_last_use_later = [&] {
    last_use_timer.expires_after(kKeyLastUseSaveInterval);
    last_use_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (Status saved = (*key_last_use)->SaveIfChanged(); !saved.ok()) {
        spdlog::warn("cannot save the keys' last use: {}", saved.message());
      }
      save_last_use_later();
    });
  };
  boost::asio::post(worker_io, save_last_use_later);

  lambda_host->SetEndpointUrl(url);  // starts the lambda functions' workers
  (*failure_path)->Start();
  Status started = (*consumer_set)->Start();
  if (started.ok()) {
    server.Start();
    std::cout << "Listening on " << url << std::endl;
    spdlog::info("jobstream {} serving {} with data in {}", JOBSTREAM_VERSION, url, config.data_dir.string());
    int signal = signalled.get_future().get();
    spdlog::info("received signal {}, shutting down", signal);
  }

  // Shutdown order: stop taking requests and answer those in flight (their commits finish),
  // stop consumers at a checkpoint, drain the writer, then stop the threads.
  std::promise<void> drained;
  boost::asio::post(http_io, [&] {
    server.Shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(config.shutdown_grace),
                    [&drained] { drained.set_value(); });
  });
  drained.get_future().wait();
  boost::asio::post(worker_io, [&last_use_timer] { last_use_timer.cancel(); });
  (*consumer_set)->Stop();
  (*failure_path)->Stop();
  (*store)->Close();
  http_work.reset();
  worker_work.reset();
  http_io.stop();
  worker_io.stop();
  for (auto& thread : threads) thread.join();
  if (Status saved = (*key_last_use)->SaveIfChanged(); !saved.ok()) {
    spdlog::warn("cannot save the keys' last use: {}", saved.message());
  }
  if (!started.ok()) return fail(started);
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the jobs API server with its consumers");
  serve->footer(kConsumerHelp);
  serve->add_option("--config", flags->config_file, "TOML configuration file")->envname("JOBSTREAM_CONFIG");
  serve->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)")->envname("JOBSTREAM_DATA_DIR");
  serve
      ->add_option("--listen", flags->listen,
                   "HOST:PORT to listen on; port 0 picks a free port (default 127.0.0.1:8080)")
      ->envname("JOBSTREAM_LISTEN");
  serve->add_option("--log-level", flags->log_level, "trace|debug|info|warn|error|critical|off (default info)")
      ->envname("JOBSTREAM_LOG_LEVEL");
  serve->add_option("--io-threads", flags->io_threads, "HTTP I/O threads (default 1)")->envname("JOBSTREAM_IO_THREADS");
  serve->add_option("--max-body-bytes", flags->max_body_bytes, "Largest request body; larger gets 413 (default 262144)")
      ->envname("JOBSTREAM_MAX_BODY_BYTES");
  serve
      ->add_option("--max-header-bytes", flags->max_header_bytes,
                   "Largest header block; larger gets 431 (default 16384)")
      ->envname("JOBSTREAM_MAX_HEADER_BYTES");
  serve->add_option("--read-timeout", flags->read_timeout, "Seconds a started request may take to arrive (default 30)")
      ->envname("JOBSTREAM_READ_TIMEOUT");
  serve
      ->add_option("--idle-timeout", flags->idle_timeout,
                   "Seconds an idle keep-alive connection stays open (default 60)")
      ->envname("JOBSTREAM_IDLE_TIMEOUT");
  serve->add_option("--max-connections", flags->max_connections, "Concurrent connections; more get 503 (default 10000)")
      ->envname("JOBSTREAM_MAX_CONNECTIONS");
  serve->add_option("--region", flags->region, "SigV4 credential scope region (default us-east-1)")
      ->envname("JOBSTREAM_REGION");
  serve->add_option("--service", flags->service, "SigV4 credential scope service (default execute-api)")
      ->envname("JOBSTREAM_SERVICE");
  serve
      ->add_option("--max-clock-skew", flags->max_clock_skew,
                   "Seconds a request's time may differ from ours, 1 to 86400 (default 300)")
      ->envname("JOBSTREAM_MAX_CLOCK_SKEW");
  serve->add_option("--shards", flags->shards, "Stream shards, fixed when the data directory is created (default 4)")
      ->envname("JOBSTREAM_SHARDS");
  serve
      ->add_option("--stream-retention-hours", flags->stream_retention_hours,
                   "Hours stream records are kept once consumed (default 24)")
      ->envname("JOBSTREAM_STREAM_RETENTION_HOURS");
  serve
      ->add_option("--stream-view-type", flags->stream_view_type,
                   "NEW_IMAGE | NEW_AND_OLD_IMAGES | KEYS_ONLY (default NEW_IMAGE)")
      ->envname("JOBSTREAM_STREAM_VIEW_TYPE");
  serve->callback([flags, &exit_code] { exit_code = RunServe(*flags); });
}

}  // namespace jobstream::cli
