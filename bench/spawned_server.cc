#include "spawned_server.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace jobstream::bench {

namespace {

constexpr std::string_view kListeningPrefix = "Listening on ";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "…" + text.substr(text.size() - bytes);
}

// What errno says, without strerror's shared buffer.
std::string ErrnoMessage() { return std::generic_category().message(errno); }

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return "unknown";
}

// Starts argv[0] with stdout and stderr sent to the given files (or to a pipe whose read end
// *stdout_pipe receives, when stdout_path is empty). The child gets SIGTERM if the bench dies,
// so an interrupted run leaves no server behind.
Result<pid_t> SpawnProcess(const std::vector<std::string>& args, const std::string& stdout_path,
                           const std::string& stderr_path, int* stdout_pipe) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  if (stdout_pipe != nullptr && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::IOError(fmt::format("pipe: {}", ErrnoMessage()));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::IOError(fmt::format("fork: {}", ErrnoMessage()));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    int out = stdout_pipe != nullptr ? pipe_fds[1] : open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (stdout_pipe != nullptr) {
    close(pipe_fds[1]);
    *stdout_pipe = pipe_fds[0];
  }
  return pid;
}

// Runs `jobstream keys create` and reads the key it prints.
Result<auth::SigningCredentials> CreateKey(const std::filesystem::path& binary, const std::filesystem::path& data_dir) {
  int out = -1;
  std::string err_path = (data_dir / "keys-create.log").string();
  auto pid = SpawnProcess(
      {binary.string(), "keys", "create", "--user-name", "jobstream-bench", "--data-dir", data_dir.string()}, "",
      err_path, &out);
  if (!pid.ok()) return pid.error();
  std::string text;
  char chunk[4096];
  for (ssize_t n; (n = read(out, chunk, sizeof chunk)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  close(out);
  int status = 0;
  waitpid(*pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal(
        fmt::format("`jobstream keys create` failed ({}): {}", DescribeExit(status), Tail(ReadFile(err_path))));
  }
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  const boost::json::object* key = nullptr;
  if (!ec && doc.is_object()) {
    if (auto* access_key = doc.as_object().if_contains("AccessKey"); access_key && access_key->is_object()) {
      key = &access_key->as_object();
    }
  }
  auto field = [key](const char* name) -> std::string {
    const boost::json::value* value = key ? key->if_contains(name) : nullptr;
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
  };
  auth::SigningCredentials credentials{field("AccessKeyId"), field("SecretAccessKey"), ""};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Status::Internal("`jobstream keys create` printed no AccessKeyId/SecretAccessKey");
  }
  return credentials;
}

// The type of the filesystem holding path, from the longest matching mount point.
std::string FilesystemOf(const std::filesystem::path& path) {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, mount_point, type, rest;
  std::string best_type = "unknown";
  std::size_t best_length = 0;
  std::string target = std::filesystem::weakly_canonical(path).string();
  while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
    bool inside = target == mount_point || mount_point == "/" || target.starts_with(mount_point + "/");
    if (inside && mount_point.size() >= best_length) {
      best_length = mount_point.size();
      best_type = type;
    }
  }
  return best_type;
}

}  // namespace

Result<std::unique_ptr<SpawnedServer>> SpawnedServer::Start(const SpawnOptions& options) {
  if (access(options.binary.c_str(), X_OK) != 0) {
    return Status::InvalidArgument(fmt::format("--spawn {}: not an executable", options.binary.string()));
  }
  std::string pattern = (options.parent_dir / "jobstream-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError(
        fmt::format("cannot create a data directory in {}: {}", options.parent_dir.string(), ErrnoMessage()));
  }
  std::unique_ptr<SpawnedServer> server(new SpawnedServer());
  server->data_dir_ = pattern;
  server->keep_data_ = options.keep_data;
  server->filesystem_ = FilesystemOf(server->data_dir_);

  auto credentials = CreateKey(options.binary, server->data_dir_);
  if (!credentials.ok()) return credentials.error();
  server->credentials_ = *credentials;

  std::vector<std::string> args = {options.binary.string(), "serve",      "--listen",
                                   "127.0.0.1:0",           "--data-dir", server->data_dir_.string()};
  if (options.config) {
    args.emplace_back("--config");
    args.push_back(options.config->string());
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::filesystem::path out_path = server->data_dir_ / "serve.out";
  std::filesystem::path log_path = server->data_dir_ / "serve.log";
  auto pid = SpawnProcess(args, out_path.string(), log_path.string(), nullptr);
  if (!pid.ok()) return pid.error();
  server->pid_ = *pid;

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (true) {
    std::string out = ReadFile(out_path);
    if (auto at = out.find(kListeningPrefix); at != std::string::npos) {
      auto end = out.find('\n', at);
      if (end != std::string::npos) {
        server->url_ = out.substr(at + kListeningPrefix.size(), end - at - kListeningPrefix.size());
        return server;
      }
    }
    int status = 0;
    if (waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return Status::Internal(fmt::format("`jobstream serve` stopped before listening ({}): {}", DescribeExit(status),
                                          Tail(ReadFile(log_path))));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(fmt::format("`jobstream serve` printed no \"Listening on\" within {} s: {}",
                                             options.start_timeout.count(), Tail(ReadFile(log_path))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string SpawnedServer::Stop(std::chrono::seconds grace) {
  std::string result = "not running";
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    pid_t waited = 0;
    while ((waited = waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (waited == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      result = fmt::format("killed after {} s without exiting", grace.count());
    } else {
      result = DescribeExit(status);
    }
    pid_ = -1;
  }
  if (!keep_data_ && !data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
  return result;
}

SpawnedServer::~SpawnedServer() { Stop(); }

}  // namespace jobstream::bench
