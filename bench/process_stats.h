// What a process costs while the load runs: resident memory, thread count and CPU time, read
// from /proc (Linux), sampled on a thread of its own so the load generator's threads never wait.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace jobstream::bench {

struct ProcessSample {
  std::uint64_t rss_bytes = 0;
  std::uint64_t rss_anon_bytes = 0;  // the heap and other private memory, not file pages
  int threads = 0;
  double cpu_seconds = 0;              // user + system, since the process started
  std::uint64_t disk_write_bytes = 0;  // /proc/PID/io write_bytes: what it made the kernel write to storage
};

inline double ToMegabytes(std::uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

// The sample of a running process; nullopt when it cannot be read (gone, or not Linux).
std::optional<ProcessSample> ReadProcessSample(pid_t pid);

struct ThreadCpu {
  pid_t tid = 0;
  std::string name;  // /proc/PID/task/TID/comm
  double cpu_seconds = 0;
  // Creation order among the threads seen (by tid; 0 is the main thread): tells a server's
  // unnamed threads apart. Set in ProcessUsage::busiest only.
  int order = 0;
};

// CPU time of every thread of pid, by thread.
std::vector<ThreadCpu> ReadThreadCpu(pid_t pid);

// Over one interval: first, peak and last values, CPU used, and the busiest threads.
struct ProcessUsage {
  ProcessSample first;
  ProcessSample last;
  std::uint64_t rss_max_bytes = 0;
  std::uint64_t rss_anon_max_bytes = 0;
  int threads_min = 0;
  int threads_max = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;              // used during the interval
  std::uint64_t disk_write_bytes = 0;  // written to storage during the interval
  std::vector<ThreadCpu> busiest;      // CPU used during the interval, busiest first
  int samples = 0;

  double cpu_percent() const { return wall_seconds > 0 ? 100 * cpu_seconds / wall_seconds : 0; }
};

// Samples pid every `period` from construction until Stop.
class ProcessSampler {
 public:
  // Names its thread bench-sampler, so it is told apart when the bench samples itself.
  ProcessSampler(pid_t pid, std::chrono::milliseconds period);
  ~ProcessSampler();
  ProcessSampler(const ProcessSampler&) = delete;
  ProcessSampler& operator=(const ProcessSampler&) = delete;

  // Takes a last sample and returns the interval's usage; nullopt if no sample could be read.
  std::optional<ProcessUsage> Stop();

 private:
  void Run();
  void Take();  // Requires mutex_.

  // Constant after construction.
  const pid_t pid_;
  const std::chrono::milliseconds period_;
  const std::chrono::steady_clock::time_point start_;
  const std::vector<ThreadCpu> threads_at_start_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;                  // GUARDED_BY(mutex_)
  std::optional<ProcessUsage> usage_;  // GUARDED_BY(mutex_)
  // The last CPU time seen of every thread, kept after it exits (the bench's own workers end
  // before Stop).
  std::map<pid_t, ThreadCpu> threads_seen_;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

// CPU seconds (user + system) this process has used so far.
double SelfCpuSeconds();

}  // namespace jobstream::bench
