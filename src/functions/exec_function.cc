#include "functions/exec_function.h"

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "common/uuid.h"
#include "functions/process_environment.h"

namespace jobstream::functions {
namespace {

// Where posix_spawnp will find `name`, or an error naming the setting.
Status CheckCommand(const FunctionConfig& config, const std::string& path_variable) {
  const std::string& program = config.command.front();
  if (program.find('/') != std::string::npos) {
    std::filesystem::path resolved = program;
    if (resolved.is_relative()) resolved = config.working_dir / resolved;
    if (!IsExecutableFile(resolved)) {
      return Status::InvalidArgument(fmt::format("command: '{}' is not an executable file", resolved.string()));
    }
    return Status::Ok();
  }
  std::string_view rest = path_variable;
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string_view directory = rest.substr(0, colon);
    if (!directory.empty() && IsExecutableFile(std::filesystem::path(directory) / program)) return Status::Ok();
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return Status::InvalidArgument(fmt::format("command: '{}' was not found on PATH ({})", program, path_variable));
}

}  // namespace

Result<std::unique_ptr<Function>> ExecFunction::Create(const FunctionConfig& config,
                                                       boost::asio::any_io_executor executor,
                                                       std::shared_ptr<LambdaHost> host) {
  if (!config.working_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(config.working_dir, ec)) {
      return Status::InvalidArgument(fmt::format("working_dir: '{}' is not a directory", config.working_dir.string()));
    }
  }
  std::string path = ServerPath();
  if (Status status = CheckCommand(config, path); !status.ok()) return status;
  // A small environment of its own, as Lambda gives: the server's (keys, configuration) is not
  // passed on. The function's own settings come last and win.
  EnvironmentEntries entries = {
      {"PATH", path},
      {"LANG", "C.UTF-8"},
      {"AWS_LAMBDA_FUNCTION_NAME", config.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(config.memory_mb)},
  };
  if (host) {
    entries.emplace_back("AWS_REGION", host->region());
    entries.emplace_back("AWS_DEFAULT_REGION", host->region());
  }
  std::vector<std::string> environment = EnvironmentStrings(MergeEnvironment(std::move(entries), config.environment));
  return std::unique_ptr<Function>(
      new ExecFunction(config, std::move(executor), std::move(environment), std::move(host)));
}

ExecFunction::ExecFunction(FunctionConfig config, boost::asio::any_io_executor executor,
                           std::vector<std::string> environment, std::shared_ptr<LambdaHost> host)
    : config_(std::move(config)),
      executor_(std::move(executor)),
      environment_(std::move(environment)),
      stderr_log_(std::make_shared<StderrLog>(config_.name)),
      host_(std::move(host)),
      credentials_(host_ ? std::make_unique<CredentialCache>([this] { return host_->Credentials(config_); })
                         : nullptr) {}

std::vector<std::string> ExecFunction::InvocationEnvironment(std::chrono::milliseconds timeout) {
  if (!host_) return {};
  std::vector<std::string> entries;
  auto credentials = credentials_->ValidFor(std::chrono::ceil<std::chrono::seconds>(timeout));
  if (credentials.ok()) {
    entries = credentials->EnvironmentStrings();
  } else {
    // Without credentials the process can still run; every call it makes is refused.
    spdlog::error("function {}: no credentials for its role: {}", config_.name, credentials.error().message());
  }
  if (std::string url = host_->endpoint_url(); !url.empty()) entries.push_back("AWS_ENDPOINT_URL=" + url);
  return entries;
}

ExecFunction::~ExecFunction() { CancelAll(); }

void ExecFunction::Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) {
  std::size_t records = event.size();
  Launch launch;
  InvocationDone throttled;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;  // shutting down: never answered, redelivered after a restart
    if (running_.size() < static_cast<std::size_t>(config_.concurrency)) {
      launch = TakeSlotLocked(Waiting{std::move(event), context.timeout, std::move(done)});
    } else if (queue_.size() < kMaxQueued) {
      queue_.push_back(Waiting{std::move(event), context.timeout, std::move(done)});
      return;
    } else {
      throttled = std::move(done);
    }
  }
  if (throttled) {  // the queue is full: refused as Lambda refuses, for the consumer to retry
    throttled(std::vector<RecordResult>(records, RecordResult::Failure("TooManyRequestsException", "Rate Exceeded.")));
    return;
  }
  Run(std::move(launch));
}

ExecFunction::Launch ExecFunction::TakeSlotLocked(Waiting waiting) {
  std::uint64_t id = next_id_++;
  Launch launch;
  std::string request_id = NewUuid();
  launch.request = SpawnRequest{config_.command, config_.working_dir, environment_};
  launch.request.environment.push_back("JOBSTREAM_REQUEST_ID=" + request_id);
  for (std::string& entry : InvocationEnvironment(waiting.timeout))
    launch.request.environment.push_back(std::move(entry));
  launch.invocation = std::make_shared<ExecInvocation>(executor_, std::move(request_id), waiting.timeout, stderr_log_,
                                                       static_cast<std::uint64_t>(config_.memory_mb) << 20);
  launch.payload = waiting.event.LambdaPayload();
  launch.records = waiting.event.size();
  InvocationDone done = std::move(waiting.done);
  launch.done = [this, id, done = std::move(done)](std::vector<RecordResult> results) {
    OnFinished(id);
    done(std::move(results));
  };
  running_.emplace(id, launch.invocation);
  return launch;
}

void ExecFunction::Run(Launch launch) {
  std::size_t records = launch.records;
  launch.invocation->Start(std::move(launch.request), std::move(launch.payload),
                           [records, done = std::move(launch.done)](const ExecOutput& output) {
                             done(std::vector<RecordResult>(records, ExecOutcome(output)));
                           });
}

void ExecFunction::OnFinished(std::uint64_t id) {
  Launch next;
  {
    std::lock_guard lock(mutex_);
    running_.erase(id);
    if (cancelled_ || queue_.empty()) return;
    next = TakeSlotLocked(std::move(queue_.front()));
    queue_.pop_front();
  }
  Run(std::move(next));
}

void ExecFunction::CancelAll() {
  std::map<std::uint64_t, std::shared_ptr<ExecInvocation>> running;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    running.swap(running_);
    queue_.clear();
  }
  // Every group is killed first, so they all die together, then each is reaped.
  for (const auto& [id, invocation] : running) invocation->Abandon();
  for (const auto& [id, invocation] : running) invocation->ReapAbandoned();
}

}  // namespace jobstream::functions
