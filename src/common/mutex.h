// A mutex the thread-safety analysis understands (libstdc++'s std::mutex has no annotations), and
// its scoped lock. Members it guards say so with GUARDED_BY (common/thread_annotations.h).
#pragma once

#include <mutex>

#include "common/thread_annotations.h"

namespace jobstream {

// std::mutex with capability annotations. Also a BasicLockable (lock/unlock), so
// std::condition_variable_any can wait on it; prefer MutexLock for scopes.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }
  // Tells the analysis the mutex is held where it cannot see the lock (a callback run under it).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope (std::lock_guard with annotations).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace jobstream
