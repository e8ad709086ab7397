// memory_mb enforced, as Lambda enforces a function's memory: the resident memory of a process
// group (every process in it, summed from /proc/<pid>/statm) is sampled every kSampleInterval on
// a thread of its own, off the I/O threads, and a group past its limit is reported once, for its
// owner to kill it and fail the invocation with Runtime.OutOfMemory. Resident memory, not
// RLIMIT_AS: Python and Node reserve far more address space than they use.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace jobstream::functions {

// The resident bytes of every process whose process group is pgid (0 when there is none).
std::uint64_t GroupResidentBytes(pid_t pgid);

// Thread-safe. One for the whole server (Shared), its thread started with the first watch.
class MemoryWatch {
 public:
  static constexpr std::chrono::milliseconds kSampleInterval{100};
  using Id = std::uint64_t;
  // Called once, on the watch's thread with its lock held: it must only post work elsewhere or
  // send a signal, never block nor call back into the watch.
  using Exceeded = std::function<void(std::uint64_t resident_bytes)>;

  static MemoryWatch& Shared();
  MemoryWatch() = default;
  ~MemoryWatch();
  MemoryWatch(const MemoryWatch&) = delete;
  MemoryWatch& operator=(const MemoryWatch&) = delete;

  // Samples pgid from now on until Unwatch; `exceeded` runs the first time it holds more than
  // limit_bytes.
  Id Watch(pid_t pgid, std::uint64_t limit_bytes, Exceeded exceeded);
  // After it returns, the watch's `exceeded` is not running and never runs.
  void Unwatch(Id id);

 private:
  struct Entry {
    pid_t pgid;
    std::uint64_t limit_bytes;
    Exceeded exceeded;
  };
  void Run();
  // Called with `lock` (on mutex_) held; releases it while reading /proc.
  void SampleLocked(std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<Id, Entry> watched_;  // GUARDED_BY(mutex_)
  Id next_id_ = 1;               // GUARDED_BY(mutex_)
  bool stopping_ = false;        // GUARDED_BY(mutex_)
  std::thread thread_;           // started by the first Watch
};

}  // namespace jobstream::functions
