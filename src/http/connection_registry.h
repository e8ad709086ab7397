// The set of open connections of one server: counts them and reaches them at shutdown.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"

namespace jobstream::http {

class Session;

// Thread-safe. Shared by the server and its sessions (a session may be destroyed after the server
// when the application still holds its Respond), hence held through shared_ptr.
class ConnectionRegistry {
 public:
  // Records an open connection.
  void Add(const std::shared_ptr<Session>& session);
  // Forgets a connection; idempotent. Runs the empty-callback when the last one goes.
  void Remove(const Session* session);
  // The open connections, for broadcasting shutdown.
  std::vector<std::shared_ptr<Session>> Snapshot() const;
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Runs `callback` (on the thread of the last Remove) once the registry is empty; returns true
  // instead, without storing it, when it is empty already.
  bool CallWhenEmpty(std::function<void()> callback);
  // Drops a callback stored by CallWhenEmpty.
  void CancelWhenEmpty();

 private:
  mutable Mutex mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_ GUARDED_BY(mutex_);
  std::function<void()> on_empty_ GUARDED_BY(mutex_);
  std::atomic<std::size_t> size_{0};  // mirrors sessions_.size() for lock-free reads
};

}  // namespace jobstream::http
