#include "functions/memory_watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace jobstream::functions {
namespace {

// The text of a small /proc file, or nothing. Plain read(2), not std::ifstream: a process can exit
// between the open and the read, which then fails with ESRCH, and libstdc++'s filebuf throws from
// underflow on a failed read whatever the stream's exception mask (it killed the server through
// this thread, std::terminate). /proc/<pid>/stat and statm are far below the buffer's size.
std::optional<std::string> ReadProcFile(const std::string& path) {
  // flawfinder: ignore (read-only, a /proc path built from a pid the kernel listed: nothing to redirect)
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (fd < 0) return std::nullopt;
  std::array<char, 1024> buffer{};
  ssize_t n = ::read(fd, buffer.data(), buffer.size());
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

// The process group of `pid` from /proc/<pid>/stat ("pid (comm) state ppid pgrp ..."; comm may
// hold spaces and parentheses, so the fields are read after the last ')'), or -1.
pid_t ProcessGroupOf(const std::string& pid) {
  std::optional<std::string> text = ReadProcFile("/proc/" + pid + "/stat");
  if (!text) return -1;
  auto close = text->rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text->substr(close + 1));
  char state = 0;
  long ppid = 0;
  long pgrp = -1;
  if (!(fields >> state >> ppid >> pgrp)) return -1;
  return static_cast<pid_t>(pgrp);
}

std::uint64_t ResidentBytesOf(const std::string& pid) {
  std::optional<std::string> text = ReadProcFile("/proc/" + pid + "/statm");
  if (!text) return 0;
  std::istringstream statm(*text);
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  if (!(statm >> size >> resident)) return 0;
  static const auto kPageSize = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return resident * kPageSize;
}

// Resident bytes per group, for the groups asked for, in one pass over /proc.
std::map<pid_t, std::uint64_t> ResidentBytesOfGroups(const std::set<pid_t>& groups) {
  std::map<pid_t, std::uint64_t> bytes;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return bytes;
  while (const dirent* entry = ::readdir(proc.get())) {  // NOLINT(concurrency-mt-unsafe): one stream per call
    std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t group = ProcessGroupOf(name);
    if (groups.count(group) == 0) continue;
    bytes[group] += ResidentBytesOf(name);
  }
  return bytes;
}

}  // namespace

std::uint64_t GroupResidentBytes(pid_t pgid) {
  auto bytes = ResidentBytesOfGroups({pgid});
  auto found = bytes.find(pgid);
  return found == bytes.end() ? 0 : found->second;
}

MemoryWatch& MemoryWatch::Shared() {
  static MemoryWatch watch;
  return watch;
}

MemoryWatch::~MemoryWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

MemoryWatch::Id MemoryWatch::Watch(pid_t pgid, std::uint64_t limit_bytes, Exceeded exceeded) {
  std::lock_guard lock(mutex_);
  Id id = next_id_++;
  watched_.emplace(id, Entry{pgid, limit_bytes, std::move(exceeded)});
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  wake_.notify_all();
  return id;
}

void MemoryWatch::Unwatch(Id id) {
  std::lock_guard lock(mutex_);
  watched_.erase(id);
}

void MemoryWatch::Run() {
  pthread_setname_np(pthread_self(), "js-memory");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (watched_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !watched_.empty(); });
      continue;
    }
    SampleLocked(lock);
    wake_.wait_for(lock, kSampleInterval, [this] { return stopping_; });
  }
}

// The pass over /proc runs without the lock (it takes milliseconds, more with many processes,
// and Watch and Unwatch are called on the functions' threads); reports run under it, for the
// watches still registered, so that Unwatch waits for a report under way.
void MemoryWatch::SampleLocked(std::unique_lock<std::mutex>& lock) {
  std::set<pid_t> groups;
  for (const auto& [id, entry] : watched_) groups.insert(entry.pgid);
  lock.unlock();
  auto bytes = ResidentBytesOfGroups(groups);
  lock.lock();
  std::vector<Id> exceeded;
  for (auto& [id, entry] : watched_) {
    auto found = bytes.find(entry.pgid);
    if (found == bytes.end() || found->second <= entry.limit_bytes) continue;
    entry.exceeded(found->second);
    exceeded.push_back(id);
  }
  for (Id id : exceeded) watched_.erase(id);  // reported once
}

}  // namespace jobstream::functions
