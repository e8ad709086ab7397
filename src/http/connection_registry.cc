#include "http/connection_registry.h"

#include <utility>

namespace jobstream::http {

void ConnectionRegistry::Add(const std::shared_ptr<Session>& session) {
  MutexLock lock(mutex_);
  sessions_.emplace(session.get(), session);
  size_.store(sessions_.size(), std::memory_order_relaxed);
}

void ConnectionRegistry::Remove(const Session* session) {
  std::function<void()> on_empty;
  {
    MutexLock lock(mutex_);
    if (sessions_.erase(session) == 0) return;
    size_.store(sessions_.size(), std::memory_order_relaxed);
    if (sessions_.empty()) on_empty = std::exchange(on_empty_, nullptr);
  }
  // Outside the lock: the callback may reach back into the registry.
  if (on_empty) on_empty();
}

std::vector<std::shared_ptr<Session>> ConnectionRegistry::Snapshot() const {
  std::vector<std::shared_ptr<Session>> live;
  MutexLock lock(mutex_);
  live.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

bool ConnectionRegistry::CallWhenEmpty(std::function<void()> callback) {
  MutexLock lock(mutex_);
  if (sessions_.empty()) return true;
  on_empty_ = std::move(callback);
  return false;
}

void ConnectionRegistry::CancelWhenEmpty() {
  MutexLock lock(mutex_);
  on_empty_ = nullptr;
}

}  // namespace jobstream::http
