#include "process_stats.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace jobstream::bench {

namespace {

constexpr int kMaxThreadsSampled = 64;

double TicksToSeconds(unsigned long long ticks) {
  static const long kTicksPerSecond = sysconf(_SC_CLK_TCK);
  return static_cast<double>(ticks) / static_cast<double>(kTicksPerSecond > 0 ? kTicksPerSecond : 100);
}

// utime + stime from a /proc/.../stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
std::optional<double> CpuFromStat(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (!std::getline(file, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')': state(3) ppid(4) ... utime(14) stime(15).
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  return TicksToSeconds(utime + stime);
}

}  // namespace

std::optional<ProcessSample> ReadProcessSample(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  if (!status) return std::nullopt;
  ProcessSample sample;
  bool have_rss = false, have_threads = false;
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      sample.rss_bytes = std::stoull(line.substr(6)) * 1024;  // "VmRSS:    1234 kB"
      have_rss = true;
    } else if (line.starts_with("RssAnon:")) {
      sample.rss_anon_bytes = std::stoull(line.substr(8)) * 1024;
    } else if (line.starts_with("Threads:")) {
      sample.threads = std::stoi(line.substr(8));
      have_threads = true;
    }
  }
  std::ifstream io(base + "/io");  // readable by the process's owner (or root) only
  while (std::getline(io, line)) {
    if (line.starts_with("write_bytes:")) sample.disk_write_bytes = std::stoull(line.substr(12));
  }
  auto cpu = CpuFromStat(base + "/stat");
  if (!have_rss || !have_threads || !cpu) return std::nullopt;  // a zombie has no VmRSS
  sample.cpu_seconds = *cpu;
  return sample;
}

std::vector<ThreadCpu> ReadThreadCpu(pid_t pid) {
  std::vector<ThreadCpu> threads;
  std::error_code ec;
  std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(tasks, ec)) {
    ThreadCpu thread;
    try {
      thread.tid = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    auto cpu = CpuFromStat((entry.path() / "stat").string());
    if (!cpu) continue;
    thread.cpu_seconds = *cpu;
    std::ifstream comm(entry.path() / "comm");
    std::getline(comm, thread.name);
    threads.push_back(std::move(thread));
  }
  return threads;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

ProcessSampler::ProcessSampler(pid_t pid, std::chrono::milliseconds period)
    : pid_(pid), period_(period), start_(std::chrono::steady_clock::now()), threads_at_start_(ReadThreadCpu(pid)) {
  {
    std::lock_guard lock(mutex_);
    Take();
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "bench-sampler");
    Run();
  });
}

ProcessSampler::~ProcessSampler() { Stop(); }

void ProcessSampler::Run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (wake_.wait_for(lock, period_, [this] { return stop_; })) break;
    Take();
  }
}

void ProcessSampler::Take() {
  auto sample = ReadProcessSample(pid_);
  if (!sample) return;
  if (!usage_) {
    usage_.emplace();
    usage_->first = *sample;
    usage_->threads_min = sample->threads;
  }
  ProcessUsage& usage = *usage_;
  usage.last = *sample;
  usage.rss_max_bytes = std::max(usage.rss_max_bytes, sample->rss_bytes);
  usage.rss_anon_max_bytes = std::max(usage.rss_anon_max_bytes, sample->rss_anon_bytes);
  usage.threads_min = std::min(usage.threads_min, sample->threads);
  usage.threads_max = std::max(usage.threads_max, sample->threads);
  ++usage.samples;
  // Reading every thread's stat file is cheap for a few threads; with thousands (a server that
  // spawns a thread per job) the first and last samples must do.
  if (sample->threads <= kMaxThreadsSampled || threads_seen_.empty()) {
    for (auto& thread : ReadThreadCpu(pid_)) threads_seen_[thread.tid] = std::move(thread);
  }
}

std::optional<ProcessUsage> ProcessSampler::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return usage_;
    stop_ = true;
    Take();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!usage_) return std::nullopt;
  ProcessUsage& usage = *usage_;
  usage.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  usage.cpu_seconds = usage.last.cpu_seconds - usage.first.cpu_seconds;
  usage.disk_write_bytes = usage.last.disk_write_bytes - usage.first.disk_write_bytes;
  for (auto& thread : ReadThreadCpu(pid_)) threads_seen_[thread.tid] = std::move(thread);
  std::map<pid_t, double> before;
  for (const auto& thread : threads_at_start_) before[thread.tid] = thread.cpu_seconds;
  int order = 0;
  for (auto [tid, thread] : threads_seen_) {  // in tid order
    thread.order = order++;
    thread.cpu_seconds -= before.contains(tid) ? before[tid] : 0;
    if (thread.cpu_seconds > 0) usage.busiest.push_back(std::move(thread));
  }
  std::sort(usage.busiest.begin(), usage.busiest.end(),
            [](const ThreadCpu& a, const ThreadCpu& b) { return a.cpu_seconds > b.cpu_seconds; });
  return usage;
}

}  // namespace jobstream::bench
