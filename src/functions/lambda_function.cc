#include "functions/lambda_function.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <random>

#include "common/uuid.h"
#include "functions/exec_outcome.h"
#include "functions/peer_process.h"
#include "functions/process_environment.h"

namespace jobstream::functions {
namespace {

std::string JoinPaths(const std::vector<std::filesystem::path>& paths) {
  std::string joined;
  for (const auto& path : paths) {
    if (!joined.empty()) joined += ':';
    joined += path.string();
  }
  return joined;
}

// X-Ray's trace header shape; nothing traces, but SDKs and runtimes expect one.
std::string NewTraceId() {
  // Trace ids identify, they protect nothing: a fast generator is enough.
  static thread_local std::mt19937_64 random{std::random_device{}()};  // flawfinder: ignore (not for secrets)
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return fmt::format("Root=1-{:08x}-{:012x}{:012x};Parent={:016x};Sampled=0", seconds.count(),
                     random() & 0xFFFFFFFFFFFFULL, random() & 0xFFFFFFFFFFFFULL,  // flawfinder: ignore (as above)
                     random());                                                   // flawfinder: ignore (as above)
}

// A handler whose module is a JavaScript file (and not a Python one) in the code directory runs
// on the Node runtime; any other on the Python runtime.
bool IsNodeHandler(const FunctionConfig& config) {
  auto dot = config.handler.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  std::string module = config.handler.substr(0, dot);
  std::error_code ec;
  auto exists = [&](std::string_view extension) {
    return std::filesystem::is_regular_file(config.working_dir / (module + std::string(extension)), ec);
  };
  return !exists(".py") && (exists(".js") || exists(".mjs") || exists(".cjs"));
}

std::string ExitText(const ExitStatus& status) {
  if (status.signalled) {
    return fmt::format("signal: {}{}", SignalName(status.code), status.core_dumped ? " (core dumped)" : "");
  }
  return fmt::format("exit status {}", status.code);
}

}  // namespace

struct LambdaFunction::Worker {
  std::size_t index = 0;
  std::unique_ptr<Api> api;
  std::unique_ptr<RuntimeApiHandler> handler;
  std::unique_ptr<http::Server> server;
  std::uint16_t port = 0;
  // io-thread only.
  std::unique_ptr<boost::asio::steady_timer> timer;              // the invocation's timeout, or init's
  std::unique_ptr<boost::asio::steady_timer> restart_timer;      // the pause before starting again
  std::unique_ptr<boost::asio::steady_timer> credentials_timer;  // when its credentials are due

  // GUARDED_BY(LambdaFunction::mutex_)
  Phase phase = Phase::kDown;
  std::shared_ptr<WorkerProcess> process;
  pid_t group = -1;
  std::uint64_t generation = 0;  // one per process started
  http::Respond poll;            // the waiting /next (kPolling)
  std::optional<Pending> current;
  std::string current_id;  // for log lines; "init" when none
  std::string last_request_id;
  std::optional<ReportedError> init_error;
  std::chrono::milliseconds restart_delay{0};
  // Its credentials expire too soon for another invocation: replaced at its next /next.
  bool recycle_due = false;
  bool recycling = false;                       // killed for that: its exit is expected
  std::optional<MemoryWatch::Id> memory_watch;  // while its process runs
  bool out_of_memory = false;                   // killed for passing memory_mb
};

class LambdaFunction::Api final : public RuntimeApiBackend {
 public:
  Api(LambdaFunction& function, std::size_t index) : function_(function), index_(index) {}
  void Next(http::Respond respond) override { function_.Next(index_, std::move(respond)); }
  void Response(std::string_view request_id, std::string body, bool too_large, http::Respond respond) override {
    function_.Response(index_, request_id, body, too_large, respond);
  }
  void Error(std::string_view request_id, ReportedError error, http::Respond respond) override {
    function_.Error(index_, request_id, error, respond);
  }
  void InitError(ReportedError error, http::Respond respond) override {
    function_.InitError(index_, std::move(error), respond);
  }

 private:
  LambdaFunction& function_;
  const std::size_t index_;
};

Result<std::unique_ptr<Function>> LambdaFunction::Create(const FunctionConfig& config,
                                                         std::shared_ptr<LambdaHost> host) {
  std::error_code ec;
  if (!config.working_dir.empty() && !std::filesystem::is_directory(config.working_dir, ec)) {
    return Status::InvalidArgument(fmt::format("code_dir: '{}' is not a directory", config.working_dir.string()));
  }
  for (const auto& layer : config.layers) {
    if (!std::filesystem::is_directory(layer, ec)) {
      return Status::InvalidArgument(fmt::format("layers: '{}' is not a directory", layer.string()));
    }
  }
  SpawnRequest request;
  request.working_dir = config.working_dir;
  std::filesystem::path python_runtime = host->runtimes_dir() / "python";
  std::filesystem::path runtime_dir = python_runtime;
  if (config.command.empty()) {
    if (host->runtimes_dir().empty()) {
      return Status::InvalidArgument(
          "command: not set, and the shipped runtimes (runtimes/python/bootstrap.py) were not found beside "
          "the jobstream executable; set command");
    }
    if (IsNodeHandler(config)) {
      runtime_dir = host->runtimes_dir() / "node";
      request.argv = {"node", (runtime_dir / "bootstrap.js").string()};
    } else {
      request.argv = {"python3", (python_runtime / "bootstrap.py").string()};
    }
  } else {
    request.argv = config.command;
    const std::string& program = request.argv.front();
    if (program.find('/') != std::string::npos) {
      std::filesystem::path resolved = program;
      if (resolved.is_relative()) resolved = config.working_dir / resolved;
      if (!IsExecutableFile(resolved)) {
        return Status::InvalidArgument(fmt::format("command: '{}' is not an executable file", resolved.string()));
      }
    }
  }
  std::string task_root = config.working_dir.string();
  std::vector<std::filesystem::path> python_path = {config.working_dir};
  python_path.insert(python_path.end(), config.layers.begin(), config.layers.end());
  if (!host->runtimes_dir().empty()) python_path.push_back(python_runtime);
  EnvironmentEntries entries = {
      {"PATH", ServerPath()},
      {"LANG", "C.UTF-8"},
      {"TZ", ":UTC"},
      {"_HANDLER", config.handler},
      {"LAMBDA_TASK_ROOT", task_root},
      {"LAMBDA_RUNTIME_DIR", host->runtimes_dir().empty() ? task_root : runtime_dir.string()},
      {"AWS_LAMBDA_FUNCTION_NAME", config.name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(config.memory_mb)},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", "jobstream/" + config.name},
      {"AWS_REGION", host->region()},
      {"AWS_DEFAULT_REGION", host->region()},
      {"AWS_EXECUTION_ENV", "jobstream"},
      {"PYTHONPATH", JoinPaths(python_path)},
      {"NODE_PATH", JoinPaths(config.layers)},
  };
  request.environment = EnvironmentStrings(MergeEnvironment(std::move(entries), config.environment));

  std::unique_ptr<LambdaFunction> function(new LambdaFunction(config, std::move(host), std::move(request)));
  if (Status status = function->Bind(); !status.ok()) return status;
  LambdaFunction* raw = function.get();
  std::weak_ptr<int> alive = function->alive_;
  function->host_->WhenListening([raw, alive] {
    if (alive.lock()) raw->StartAll();
  });
  return std::unique_ptr<Function>(std::move(function));
}

LambdaFunction::LambdaFunction(FunctionConfig config, std::shared_ptr<LambdaHost> host, SpawnRequest request)
    : config_(std::move(config)),
      host_(std::move(host)),
      function_arn_(host_->FunctionArn(config_.name)),
      request_(std::move(request)),
      log_(std::make_shared<StderrLog>(config_.name)) {}

LambdaFunction::~LambdaFunction() { CancelAll(); }

Status LambdaFunction::Bind() {
  http::ServerLimits limits;
  // A response may be 6 MB; a little more is read so that a larger one gets Lambda's 413.
  limits.max_body_bytes = kMaxResponseBytes + std::size_t{1024} * 1024;
  limits.idle_timeout = std::chrono::hours(1);  // a worker keeps its connection between invocations
  limits.max_connections = 16;
  const int count = config_.WorkerCount();
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->index = static_cast<std::size_t>(i);
    worker->api = std::make_unique<Api>(*this, worker->index);
    worker->handler = std::make_unique<RuntimeApiHandler>(*worker->api);
    worker->server = std::make_unique<http::Server>(io_, limits, *worker->handler);
    worker->timer = std::make_unique<boost::asio::steady_timer>(io_);
    worker->restart_timer = std::make_unique<boost::asio::steady_timer>(io_);
    worker->credentials_timer = std::make_unique<boost::asio::steady_timer>(io_);
    if (Status status = worker->server->Listen("127.0.0.1", 0); !status.ok()) {
      return Status::IOError(fmt::format("cannot listen for the Runtime API: {}", status.message()));
    }
    worker->port = worker->server->local_endpoint().port();
    Worker* raw = worker.get();
    worker->server->SetAcceptFilter(
        [this, raw](const boost::asio::ip::tcp::socket& socket) {
          pid_t group = -1;
          {
            std::lock_guard lock(mutex_);
            group = raw->group;
          }
          bool ours = PeerIsInProcessGroup(socket, group);
          if (!ours)
            spdlog::warn("function {}: refused a Runtime API connection from outside worker {}", config_.name,
                         raw->index);
          return ours;
        },
        "This Runtime API endpoint serves only the worker jobstream started on it");
    workers_.push_back(std::move(worker));
  }
  return Status::Ok();
}

void LambdaFunction::StartAll() {
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || started_) return;
    started_ = true;
  }
  request_.environment.push_back("AWS_ENDPOINT_URL=" + host_->endpoint_url());
  work_.emplace(io_.get_executor());
  for (auto& worker : workers_) worker->server->Start();
  for (std::size_t i = 0; i < workers_.size(); ++i) boost::asio::post(io_, [this, i] { Spawn(i); });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "js-lambda");
    io_.run();
  });
}

void LambdaFunction::Spawn(std::size_t index) {
  Worker& worker = *workers_[index];
  SpawnRequest request = request_;
  request.environment.push_back(fmt::format("AWS_LAMBDA_RUNTIME_API=127.0.0.1:{}", worker.port));
  // Each worker gets credentials of its own, valid for the role's session from now.
  auto credentials = host_->Credentials(config_);
  std::optional<std::chrono::system_clock::time_point> expiration;
  if (credentials.ok()) {
    for (std::string& entry : credentials->EnvironmentStrings()) request.environment.push_back(std::move(entry));
    if (!credentials->access_key_id.empty()) expiration = credentials->expiration;
  } else {
    // Without credentials the worker can still run; every call it makes is refused.
    spdlog::error("function {}: no credentials for its role: {}", config_.name, credentials.error().message());
  }
  auto process = std::make_shared<WorkerProcess>(io_, log_, [this, &worker] {
    std::lock_guard lock(mutex_);
    return worker.current_id;
  });
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    generation = ++worker.generation;
    worker.phase = Phase::kStarting;
    worker.process = process;
    worker.current_id = "init";
    worker.init_error.reset();
    worker.recycle_due = false;
    worker.recycling = false;
    worker.out_of_memory = false;
    Status started =
        process->Start(request, [this, index, generation](ExitStatus status) { OnExit(index, generation, status); });
    if (!started.ok()) {
      // Not executable (yet): reported like an init failure, tried again after a pause.
      worker.init_error = ReportedError{"Runtime.InvalidEntrypoint",
                                        fmt::format("fork/exec {}: {}", request.argv.front(), started.message())};
      worker.process = nullptr;
    } else {
      worker.group = process->pid();
      worker.memory_watch = MemoryWatch::Shared().Watch(
          process->pid(), static_cast<std::uint64_t>(config_.memory_mb) << 20,
          [this, index, generation](std::uint64_t resident_bytes) {
            boost::asio::post(
                io_, [this, index, generation, resident_bytes] { OnOutOfMemory(index, generation, resident_bytes); });
          });
    }
  }
  if (process->pid() < 0) {
    OnExit(index, generation, ExitStatus{false, 127, false});
    return;
  }
  if (expiration) ScheduleRecycle(index, generation, *expiration);
  // A worker that never asks for work is stuck in its init. Lambda gives init 10 s, then tries
  // it again within the invocation's timeout: the longer of the two.
  const auto init_limit =
      std::max<std::chrono::seconds>(config_.timeout.value_or(std::chrono::seconds(300)), std::chrono::seconds(10));
  worker.timer->expires_after(init_limit);
  worker.timer->async_wait([this, index, generation, init_limit](const boost::system::error_code& ec) {
    if (ec) return;
    std::shared_ptr<WorkerProcess> stuck;
    {
      std::lock_guard lock(mutex_);
      Worker& w = *workers_[index];
      if (w.generation != generation || w.phase != Phase::kStarting) return;
      w.init_error = ReportedError{"Sandbox.Timedout", fmt::format("Init timed out after {:.2f} seconds",
                                                                   std::chrono::duration<double>(init_limit).count())};
      stuck = w.process;
    }
    if (stuck) stuck->Kill();
  });
}

void LambdaFunction::OnExit(std::size_t index, std::uint64_t generation, ExitStatus status) {
  Worker& worker = *workers_[index];
  InvocationDone done;
  std::size_t records = 0;
  RecordResult result;
  http::Respond poll;
  {
    std::lock_guard lock(mutex_);
    if (worker.generation != generation || cancelled_) return;
    if (worker.memory_watch) MemoryWatch::Shared().Unwatch(*worker.memory_watch);
    worker.memory_watch.reset();
    // WaitForGroup drained the pipes before reporting the exit.
    std::string tail = worker.process ? ValidUtf8(worker.process->TakeOutputTail()) : std::string();
    if (worker.current) {
      const std::string& id = worker.current->request_id;
      result = RecordResult::Failure(
          worker.out_of_memory ? "Runtime.OutOfMemory" : "Runtime.ExitError",
          fmt::format("RequestId: {} Error: Runtime exited with error: {}", id, ExitText(status)), tail);
      done = std::move(worker.current->done);
      records = worker.current->records;
      worker.current.reset();
      worker.restart_delay = std::chrono::milliseconds(0);
    } else if (worker.phase == Phase::kStarting) {
      std::string reason = worker.init_error
                               ? fmt::format("{}: {}", worker.init_error->type, worker.init_error->message)
                               : fmt::format("Runtime exited with error: {}", ExitText(status));
      spdlog::error("function {}: worker {} failed to initialise: {}", config_.name, index, reason);
      if (!queue_.empty()) {
        Pending failed = std::move(queue_.front());
        queue_.pop_front();
        result = RecordResult::Failure("Runtime.InitError",
                                       fmt::format("RequestId: {} Error: {}", failed.request_id, reason), tail);
        done = std::move(failed.done);
        records = failed.records;
      }
      worker.restart_delay = std::clamp(worker.restart_delay * 2, kFirstRestartDelay, kMaxRestartDelay);
    } else if (worker.recycling) {
      spdlog::info("function {}: worker {} replaced before its credentials expire", config_.name, index);
    } else {
      spdlog::warn("function {}: worker {} exited ({}); starting it again", config_.name, index, ExitText(status));
    }
    poll = std::move(worker.poll);
    worker.poll = nullptr;
    worker.phase = Phase::kDown;
    worker.process = nullptr;
    worker.group = -1;
    worker.current_id = "init";
  }
  worker.timer->cancel();
  worker.credentials_timer->cancel();
  if (poll) poll(RuntimeError(410, "WorkerGone", "The worker has exited"));
  ScheduleRestart(index);
  if (done) done(std::vector<RecordResult>(records, result));
}

void LambdaFunction::ScheduleRecycle(std::size_t index, std::uint64_t generation,
                                     std::chrono::system_clock::time_point expiration) {
  const auto now = std::chrono::system_clock::now();
  const auto lifetime = std::chrono::floor<std::chrono::seconds>(expiration - now);
  const std::chrono::seconds timeout = config_.timeout.value_or(std::chrono::seconds(300));
  const auto due_in = lifetime - CredentialRefreshMargin(timeout, lifetime);
  Worker& worker = *workers_[index];
  worker.credentials_timer->expires_after(due_in);
  worker.credentials_timer->async_wait([this, index, generation](const boost::system::error_code& ec) {
    if (!ec) OnCredentialsDue(index, generation);
  });
}

void LambdaFunction::OnOutOfMemory(std::size_t index, std::uint64_t generation, std::uint64_t resident_bytes) {
  std::shared_ptr<WorkerProcess> process;
  {
    std::lock_guard lock(mutex_);
    Worker& worker = *workers_[index];
    if (cancelled_ || worker.generation != generation || !worker.process) return;
    worker.out_of_memory = true;
    process = worker.process;
  }
  spdlog::warn("function {}: worker {} used {} MB, over its memory_mb of {}: killed", config_.name, index,
               resident_bytes >> 20, config_.memory_mb);
  process->Kill();  // its exit fails the invocation it holds with Runtime.OutOfMemory and restarts it
}

void LambdaFunction::OnCredentialsDue(std::size_t index, std::uint64_t generation) {
  std::shared_ptr<WorkerProcess> process;
  {
    std::lock_guard lock(mutex_);
    Worker& worker = *workers_[index];
    if (cancelled_ || worker.generation != generation || worker.phase == Phase::kDown) return;
    worker.recycle_due = true;
    // Never mid-invocation, nor during its init: those end at their next /next.
    if (worker.phase == Phase::kBusy || worker.phase == Phase::kStarting) return;
    process = RecycleLocked(worker);
  }
  if (process) process->Kill();
}

std::shared_ptr<WorkerProcess> LambdaFunction::RecycleLocked(Worker& worker) {
  // kDown first, so no invocation is handed to it from here; its exit answers a waiting /next
  // and starts it again at once.
  worker.phase = Phase::kDown;
  worker.recycling = true;
  worker.restart_delay = std::chrono::milliseconds(0);
  return worker.process;
}

void LambdaFunction::ScheduleRestart(std::size_t index) {
  Worker& worker = *workers_[index];
  std::chrono::milliseconds delay{0};
  {
    std::lock_guard lock(mutex_);
    delay = std::max(worker.restart_delay, std::chrono::milliseconds(10));
  }
  worker.restart_timer->expires_after(delay);
  worker.restart_timer->async_wait([this, index](const boost::system::error_code& ec) {
    if (!ec) Spawn(index);
  });
}

void LambdaFunction::Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) {
  Pending pending{NewUuid(), event.LambdaPayload(), event.size(), context.timeout, std::move(done)};
  http::Respond poll;
  http::Response answer;
  InvocationDone throttled;
  std::size_t records = pending.records;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;  // shutting down: never answered, redelivered after a restart
    auto polling = std::find_if(workers_.begin(), workers_.end(),
                                [](const auto& worker) { return worker->phase == Phase::kPolling; });
    if (polling != workers_.end()) {
      poll = std::move((*polling)->poll);
      (*polling)->poll = nullptr;
      answer = DeliverLocked((*polling)->index, std::move(pending));
    } else if (queue_.size() < kMaxQueued) {
      queue_.push_back(std::move(pending));
      return;
    } else {
      throttled = std::move(pending.done);
    }
  }
  if (throttled) {
    throttled(std::vector<RecordResult>(records, RecordResult::Failure("TooManyRequestsException", "Rate Exceeded.")));
    return;
  }
  poll(std::move(answer));
}

http::Response LambdaFunction::DeliverLocked(std::size_t index, Pending pending) {
  Worker& worker = *workers_[index];
  NextInvocation next;
  next.request_id = pending.request_id;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  next.deadline_ms = (now + pending.timeout).count();
  next.function_arn = function_arn_;
  next.trace_id = NewTraceId();
  next.payload = std::move(pending.payload);
  worker.phase = Phase::kBusy;
  worker.current_id = pending.request_id;
  if (worker.process) worker.process->TakeOutputTail();  // the tail is this invocation's from here
  std::uint64_t generation = worker.generation;
  std::string request_id = pending.request_id;
  std::chrono::milliseconds timeout = pending.timeout;
  worker.current = std::move(pending);
  boost::asio::post(io_, [this, index, generation, request_id, timeout] {
    Worker& w = *workers_[index];
    w.timer->expires_after(timeout);
    w.timer->async_wait([this, index, generation, request_id](const boost::system::error_code& ec) {
      if (!ec) OnTimeout(index, generation, request_id);
    });
  });
  return NextResponse(next);
}

void LambdaFunction::OnTimeout(std::size_t index, std::uint64_t generation, std::string request_id) {
  Worker& worker = *workers_[index];
  InvocationDone done;
  std::size_t records = 0;
  RecordResult result;
  std::shared_ptr<WorkerProcess> process;
  DrainOutput(worker);
  {
    std::lock_guard lock(mutex_);
    if (worker.generation != generation || !worker.current || worker.current->request_id != request_id) return;
    double seconds = std::chrono::duration<double>(worker.current->timeout).count();
    std::string tail = worker.process ? ValidUtf8(worker.process->TakeOutputTail()) : std::string();
    result = RecordResult::Failure(
        "Sandbox.Timedout",
        fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds", request_id, seconds), tail);
    done = std::move(worker.current->done);
    records = worker.current->records;
    worker.current.reset();
    worker.last_request_id = request_id;
    worker.phase = Phase::kDown;  // killed: a /next already on its way is refused; its exit restarts it
    process = worker.process;
  }
  if (process) process->Kill();
  done(std::vector<RecordResult>(records, result));
}

void LambdaFunction::Next(std::size_t index, http::Respond respond) {
  http::Response answer;
  Worker& worker = *workers_[index];
  bool initialised = false;
  std::shared_ptr<WorkerProcess> recycled;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) {
      answer = RuntimeError(500, "ServiceUnavailable", "Shutting down");
    } else if (worker.phase == Phase::kBusy) {
      answer = InvalidStateTransition(
          fmt::format("State transition from Invoking to Polling failed: invocation {} is not answered",
                      worker.current ? worker.current->request_id : std::string()));
    } else if (worker.phase == Phase::kPolling) {
      answer = InvalidStateTransition("A /next is already waiting for this worker");
    } else if (worker.phase == Phase::kDown) {
      answer = InvalidStateTransition("This worker has ended");
    } else if (worker.recycle_due) {
      recycled = RecycleLocked(worker);
      answer = RuntimeError(410, "WorkerGone", "This worker is being replaced before its credentials expire");
    } else {
      initialised = worker.phase == Phase::kStarting;
      worker.restart_delay = std::chrono::milliseconds(0);
      if (initialised) worker.timer->cancel();  // the init limit; this runs on the io thread
      if (!queue_.empty()) {
        Pending pending = std::move(queue_.front());
        queue_.pop_front();
        answer = DeliverLocked(index, std::move(pending));
      } else {
        worker.phase = Phase::kPolling;
        worker.poll = std::move(respond);
        return;
      }
    }
  }
  respond(std::move(answer));
  if (recycled) recycled->Kill();
}

bool LambdaFunction::FinishLocked(Worker& worker, std::string_view request_id, InvocationDone& done,
                                  std::size_t& records) {
  if (worker.phase != Phase::kBusy || !worker.current || worker.current->request_id != request_id) return false;
  done = std::move(worker.current->done);
  records = worker.current->records;
  worker.last_request_id = worker.current->request_id;
  worker.current.reset();
  worker.current_id = "init";
  worker.phase = Phase::kReady;
  return true;
}

void LambdaFunction::Response(std::size_t index, std::string_view request_id, const std::string& body, bool too_large,
                              const http::Respond& respond) {
  if (too_large) {
    Complete(
        index, request_id, "InvocationResponse",
        [](std::string tail) {
          return RecordResult::Failure("Function.ResponseSizeTooLarge",
                                       fmt::format("Response payload size exceeded maximum allowed payload size ({} "
                                                   "bytes).",
                                                   kMaxResponseBytes),
                                       std::move(tail));
        },
        RuntimeError(413, "RequestEntityTooLarge",
                     fmt::format("Exceeded maximum allowed payload size ({} bytes).", kMaxResponseBytes)),
        respond);
    return;
  }
  Complete(
      index, request_id, "InvocationResponse",
      [&body](const std::string& /*tail*/) { return RecordResult::Success(ResultValue(body)); }, RuntimeAccepted(),
      respond);
}

void LambdaFunction::Error(std::size_t index, std::string_view request_id, const ReportedError& error,
                           const http::Respond& respond) {
  Complete(
      index, request_id, "InvocationErrorResponse",
      [&error](std::string tail) { return RecordResult::Failure(error.type, error.message, std::move(tail)); },
      RuntimeAccepted(), respond);
}

// On the io thread, without mutex_: reading the pipes logs lines labelled with the worker's
// request id, which takes mutex_.
void LambdaFunction::DrainOutput(Worker& worker) {
  std::shared_ptr<WorkerProcess> process;
  {
    std::lock_guard lock(mutex_);
    process = worker.process;
  }
  if (process) process->DrainOutput();
}

void LambdaFunction::Complete(std::size_t index, std::string_view request_id, std::string_view transition,
                              const std::function<RecordResult(std::string)>& outcome, http::Response accepted,
                              const http::Respond& respond) {
  Worker& worker = *workers_[index];
  InvocationDone done;
  std::size_t records = 0;
  RecordResult result;
  http::Response answer = std::move(accepted);
  DrainOutput(worker);  // what the worker logged before this request is the failure's tail
  {
    std::lock_guard lock(mutex_);
    if (FinishLocked(worker, request_id, done, records)) {
      result = outcome(worker.process ? ValidUtf8(worker.process->TakeOutputTail()) : std::string());
    } else if (request_id == worker.last_request_id) {
      answer = InvalidStateTransition(
          fmt::format("State transition from Ready to {} failed for runtime: invocation {} is already answered",
                      transition, request_id));
    } else {
      answer = InvalidRequestId(request_id);
    }
  }
  if (done) worker.timer->cancel();  // the io thread, where requests are handled
  respond(std::move(answer));
  if (done) done(std::vector<RecordResult>(records, result));
}

void LambdaFunction::InitError(std::size_t index, ReportedError error, const http::Respond& respond) {
  Worker& worker = *workers_[index];
  std::shared_ptr<WorkerProcess> process;
  http::Response answer = RuntimeAccepted();
  {
    std::lock_guard lock(mutex_);
    if (worker.phase != Phase::kStarting) {
      answer = InvalidStateTransition("State transition from Ready to InitError failed: the worker is initialised");
    } else {
      worker.init_error = std::move(error);
      process = worker.process;
    }
  }
  respond(std::move(answer));
  // Lambda ends a runtime that reported its init failed; its exit fails a waiting invocation.
  if (process) process->Kill();
}

void LambdaFunction::CancelAll() {
  std::vector<std::shared_ptr<WorkerProcess>> processes;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    queue_.clear();
    for (auto& worker : workers_) {
      if (worker->memory_watch) MemoryWatch::Shared().Unwatch(*worker->memory_watch);
      worker->memory_watch.reset();
      if (worker->process) processes.push_back(worker->process);
      worker->process = nullptr;
      worker->group = -1;
      worker->current.reset();
    }
  }
  for (const auto& process : processes) process->Kill();  // all die together
  for (const auto& process : processes) process->KillAndReap();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  for (auto& worker : workers_) worker->poll = nullptr;
}

}  // namespace jobstream::functions
