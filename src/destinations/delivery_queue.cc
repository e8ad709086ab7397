#include "destinations/delivery_queue.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace jobstream::destinations {
namespace {

constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS invocations (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  function TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  due_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'waiting',
  outcome TEXT,
  finished_ms INTEGER);
CREATE INDEX IF NOT EXISTS invocations_due ON invocations (state, due_ms);
CREATE TABLE IF NOT EXISTS archived_events (
  archive TEXT NOT NULL,
  event_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (archive, event_id));
DROP INDEX IF EXISTS archived_events_by_time;
CREATE INDEX IF NOT EXISTS archived_events_in_order ON archived_events (archive, time_ms, event_id);
CREATE TABLE IF NOT EXISTS archives (
  name TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS replays (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  archive TEXT NOT NULL,
  bus TEXT NOT NULL,
  rules TEXT NOT NULL,
  event_start_ms INTEGER NOT NULL,
  event_end_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL DEFAULT '',
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  last_replayed_ms INTEGER,
  replayed INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  position_ms INTEGER NOT NULL,
  position_id TEXT NOT NULL);
)";

// Finished invocations keep their key this long, so a redelivered failure is still recognised.
constexpr std::int64_t kKeepFinishedMs = std::int64_t{24} * 3600 * 1000;

}  // namespace

Result<std::unique_ptr<DeliveryQueue>> DeliveryQueue::Open(const std::filesystem::path& data_dir) {
  Status status;
  auto connection = store::Connection::Open(data_dir / kFileName, status);
  if (!connection) return status;
  if (status = connection->Execute(kSchema); !status.ok()) return status;
  // Running when the server stopped: interrupted, so they run again.
  if (status = connection->Execute("UPDATE invocations SET state = 'waiting' WHERE state = 'running'"); !status.ok()) {
    return status;
  }
  return std::unique_ptr<DeliveryQueue>(new DeliveryQueue(std::move(connection)));
}

DeliveryQueue::DeliveryQueue(std::unique_ptr<store::Connection> connection)
    : connection_(std::move(connection)), writer_([this] { WriterLoop(); }) {}

DeliveryQueue::~DeliveryQueue() {
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

void DeliveryQueue::Enqueue(std::vector<NewInvocation> invocations, std::function<void(const Status&)> done) {
  {
    std::lock_guard lock(queue_mutex_);
    if (!closing_) {
      pending_.push_back(Pending{std::move(invocations), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the delivery queue is closing"));
}

void DeliveryQueue::SetListener(std::function<void()> listener) {
  // Held while the listener runs, too: once this returns, the previous listener is not running
  // and never runs again, so its owner may go.
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void DeliveryQueue::WriterLoop() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(queue_mutex_);
      wake_.wait(lock, [this] { return closing_ || !pending_.empty(); });
      if (pending_.empty()) return;  // closing, and everything queued is written
      batch.swap(pending_);
    }
    // Everything that arrived meanwhile goes in one transaction: one sync for a burst.
    std::vector<NewInvocation> all;
    for (Pending& pending : batch) {
      for (NewInvocation& invocation : pending.invocations) all.push_back(std::move(invocation));
    }
    bool added = false;
    Status status = Commit(all, added);
    if (!status.ok()) spdlog::error("delivery queue: cannot queue {} invocations: {}", all.size(), status.message());
    for (Pending& pending : batch) pending.done(status);
    if (added) NotifyListener();
  }
}

Status DeliveryQueue::Durable(bool durable) {
  if (durable == durable_) return Status::Ok();
  Status status = connection_->Execute(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  if (status.ok()) durable_ = durable;
  return status;
}

Status DeliveryQueue::Commit(const std::vector<NewInvocation>& invocations, bool& added) {
  std::lock_guard lock(mutex_);
  // Synced before the consumer moves past the failed record: this is the failure's only copy.
  return InTransaction(true, [&] { return Insert(invocations, added); });
}

Status DeliveryQueue::InTransaction(bool durable, const std::function<Status()>& work) {
  if (Status status = Durable(durable); !status.ok()) return status;
  if (Status status = connection_->Execute("BEGIN IMMEDIATE"); !status.ok()) return status;
  Status status = work();
  if (status.ok()) status = connection_->Execute("COMMIT");
  // A failed COMMIT may leave the transaction open; every later BEGIN would fail behind it.
  if (!status.ok()) (void)connection_->Execute("ROLLBACK");
  return status;
}

Status DeliveryQueue::Insert(const std::vector<NewInvocation>& invocations, bool& added) {
  sqlite3* db = connection_->handle();
  store::Statement insert(db,
                          "INSERT OR IGNORE INTO invocations (key, function, payload, created_ms, due_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?4)");
  for (const NewInvocation& invocation : invocations) {
    Status status = insert.Bind(1, invocation.key)
                        .Bind(2, invocation.function)
                        .Bind(3, invocation.payload)
                        .Bind(4, ToUnixMillis(invocation.created_at))
                        .Run();
    if (!status.ok()) return status;
    if (sqlite3_changes(db) > 0) added = true;
  }
  return Status::Ok();
}

void DeliveryQueue::NotifyListener() {
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_();
}

Status DeliveryQueue::PutEvent(const BusEvent& event) {
  bool added = false;
  {
    std::lock_guard lock(mutex_);
    Status status = InTransaction(true, [&]() -> Status {
      store::Statement archive(connection_->handle(),
                               "INSERT OR IGNORE INTO archived_events (archive, event_id, time_ms, event) "
                               "VALUES (?1, ?2, ?3, ?4)");
      store::Statement expire(connection_->handle(), "DELETE FROM archived_events WHERE archive = ?1 AND time_ms < ?2");
      for (const auto& [name, retention_days] : event.archives) {
        Status status =
            archive.Bind(1, name).Bind(2, event.id).Bind(3, ToUnixMillis(event.time)).Bind(4, event.event).Run();
        if (!status.ok()) return status;
        if (retention_days > 0) {
          std::int64_t cutoff = ToUnixMillis(event.received) - std::int64_t{retention_days} * 24 * 3600 * 1000;
          if (status = expire.Bind(1, name).Bind(2, cutoff).Run(); !status.ok()) return status;
        }
      }
      return Insert(event.invocations, added);
    });
    if (!status.ok()) return status;
  }
  if (added) NotifyListener();
  return Status::Ok();
}

Result<std::int64_t> DeliveryQueue::CountArchived(std::string_view archive) {
  std::lock_guard lock(mutex_);
  store::Statement count(connection_->handle(), "SELECT count(*) FROM archived_events WHERE archive = ?1");
  count.Bind(1, archive);
  std::int64_t events = 0;
  if (count.Step()) events = count.ColumnInt(0);
  if (!count.status().ok()) return count.status();
  return events;
}

Result<std::vector<QueuedInvocation>> DeliveryQueue::TakeDue(SystemTime now, std::size_t limit) {
  std::lock_guard lock(mutex_);
  store::Statement select(connection_->handle(),
                          "SELECT id, key, function, payload, created_ms, attempts FROM invocations "
                          "WHERE state = 'waiting' AND due_ms <= ?1 ORDER BY due_ms, id LIMIT ?2");
  select.Bind(1, ToUnixMillis(now)).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<QueuedInvocation> due;
  while (select.Step()) {
    due.push_back(QueuedInvocation{select.ColumnInt(0), std::string(select.ColumnText(1)),
                                   std::string(select.ColumnText(2)), std::string(select.ColumnText(3)),
                                   FromUnixMillis(select.ColumnInt(4)), static_cast<int>(select.ColumnInt(5))});
  }
  if (!select.status().ok()) return select.status();
  select.Reset();
  if (due.empty()) return due;
  // Marks that need no sync (see Durable): a restart finds them running or waiting, and runs
  // them either way.
  Status status = InTransaction(false, [&]() -> Status {
    store::Statement mark(connection_->handle(), "UPDATE invocations SET state = 'running' WHERE id = ?1");
    for (const QueuedInvocation& invocation : due) {
      if (Status status = mark.Bind(1, invocation.id).Run(); !status.ok()) return status;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return due;
}

Result<std::optional<SystemTime>> DeliveryQueue::NextDue() {
  std::lock_guard lock(mutex_);
  store::Statement select(connection_->handle(), "SELECT min(due_ms) FROM invocations WHERE state = 'waiting'");
  std::optional<SystemTime> next;
  if (select.Step() && !select.ColumnIsNull(0)) next = FromUnixMillis(select.ColumnInt(0));
  if (!select.status().ok()) return select.status();
  return next;
}

Status DeliveryQueue::Reschedule(std::int64_t id, int attempts, SystemTime due) {
  std::lock_guard lock(mutex_);
  if (Status status = Durable(false); !status.ok()) return status;
  store::Statement update(connection_->handle(),
                          "UPDATE invocations SET state = 'waiting', attempts = ?2, due_ms = ?3 WHERE id = ?1");
  return update.Bind(1, id).Bind(2, std::int64_t{attempts}).Bind(3, ToUnixMillis(due)).Run();
}

Status DeliveryQueue::Finish(std::int64_t id, std::string_view outcome) {
  std::lock_guard lock(mutex_);
  if (Status status = Durable(false); !status.ok()) return status;
  std::int64_t now = ToUnixMillis(std::chrono::system_clock::now());
  store::Statement update(connection_->handle(),
                          "UPDATE invocations SET state = 'done', outcome = ?2, finished_ms = ?3, payload = '' "
                          "WHERE id = ?1");
  if (Status status = update.Bind(1, id).Bind(2, outcome).Bind(3, now).Run(); !status.ok()) return status;
  store::Statement purge(connection_->handle(), "DELETE FROM invocations WHERE state = 'done' AND finished_ms < ?1");
  return purge.Bind(1, now - kKeepFinishedMs).Run();
}

Result<std::int64_t> DeliveryQueue::CountWaiting() {
  std::lock_guard lock(mutex_);
  store::Statement count(connection_->handle(), "SELECT count(*) FROM invocations WHERE state != 'done'");
  std::int64_t waiting = 0;
  if (count.Step()) waiting = count.ColumnInt(0);
  if (!count.status().ok()) return count.status();
  return waiting;
}

}  // namespace jobstream::destinations
