// The durable queue of asynchronous invocations: what the failure path hands on (a consumer's
// on-failure record, as each subscriber of its topic receives it) waits here until its function
// has taken it, failed it for good, or let it grow too old.
//
// A separate SQLite file in the data directory (deliveries.db), not a table of jobs.db: failures
// are rare next to jobs, and keeping them apart keeps the job store's hot path and its group
// commit untouched. Enqueue is itself group-committed on the queue's own thread: a burst of
// failing records costs one sync per burst, not one per record.
//
// Each invocation carries a key, unique in the queue: a record redelivered after a crash (its
// failure was queued, its checkpoint not yet saved) queues nothing twice. Finished invocations
// keep their key for a day for that reason, then go.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/data_dir_guard.h"
#include "store/sqlite_connection.h"

namespace jobstream::destinations {

struct NewInvocation {
  std::string key;       // unique: the same key queued twice is one invocation
  std::string function;  // the function to invoke
  std::string payload;   // the whole event the function gets, JSON text (SNS's, see topic.h; or a bus's)
  SystemTime created_at;
};

// An event put on a bus: kept in the archives whose patterns match it (with their retention in
// days, 0 = forever), and the invocations of the targets of the rules that match it.
struct BusEvent {
  std::string id;       // the event's id: an event put twice is archived and delivered once
  SystemTime time;      // the event's own (kept with it in the archives)
  SystemTime received;  // the server's: archives' retention counts back from it
  std::string event;    // the EventBridge event, JSON text
  std::vector<std::pair<std::string, int>> archives;
  std::vector<NewInvocation> invocations;
};

// A replay of an archive's events (replayer.h), as deliveries.db keeps it: what it replays, how
// far it got (the last event replayed, in the archive's (time, id) order) and its state.
struct ReplayRecord {
  std::string name;
  std::string description;
  std::string archive;
  std::string bus;                 // where the events go: the archive's own bus
  std::vector<std::string> rules;  // only these rules of the bus (empty: all of them)
  SystemTime event_start;          // events with event_start <= time < event_end
  SystemTime event_end;
  std::string state;  // STARTING | RUNNING | CANCELLING | COMPLETED | CANCELLED | FAILED
  std::string state_reason;
  SystemTime started_at;
  std::optional<SystemTime> ended_at;
  std::optional<SystemTime> last_replayed;  // the time of the last event replayed
  std::int64_t replayed = 0;                // events replayed so far
  std::int64_t total = 0;                   // events in the range when it started
  std::int64_t position_ms = 0;             // the last event replayed: (time, id)
  std::string position_id;
};

struct ArchivedEvent {
  std::string id;
  SystemTime time;
  std::string event;  // JSON text, as put
};

// What an archive holds (DescribeArchive).
struct ArchiveStats {
  std::int64_t events = 0;
  std::int64_t bytes = 0;
  std::optional<SystemTime> created_at;  // when the server first kept this archive
};

struct QueuedInvocation {
  std::int64_t id = 0;
  std::string key;  // as queued: unique, also across restarts
  std::string function;
  std::string payload;
  SystemTime created_at;
  int attempts = 0;  // invocations that failed so far
};

class DeliveryQueue {
 public:
  static constexpr std::string_view kFileName = store::kDeliveriesFile;

  static Result<std::unique_ptr<DeliveryQueue>> Open(const std::filesystem::path& data_dir);
  ~DeliveryQueue();  // finishes queued enqueues (their callbacks run), then closes

  // Queues invocations durably; `done` runs on the queue's thread once they are synced (or
  // failed). Invocations whose key is queued already are left as they are.
  void Enqueue(std::vector<NewInvocation> invocations, std::function<void(const Status&)> done);
  // Called (on the queue's thread) after each commit that queued something new.
  void SetListener(std::function<void()> listener);

  // Up to `limit` waiting invocations due by `now`, oldest first, marked running: they are not
  // handed out again until Reschedule, or a restart (which finds them running and takes them up
  // again: an invocation interrupted by a crash runs again, at least once as on Lambda).
  Result<std::vector<QueuedInvocation>> TakeDue(SystemTime now, std::size_t limit);
  // When the next waiting invocation falls due (nullopt: none waits).
  Result<std::optional<SystemTime>> NextDue();
  // A failed attempt with retries left: due again at `due`.
  Status Reschedule(std::int64_t id, int attempts, SystemTime due);
  // Done with it (`outcome`: "Succeeded", or why it was given up); the key is kept a day.
  Status Finish(std::int64_t id, std::string_view outcome);
  // Archives and delivers an event in one synced transaction (see BusEvent); archived events
  // past their archive's retention go at the same time.
  Status PutEvent(const BusEvent& event);
  // How many events an archive holds.
  Result<std::int64_t> CountArchived(std::string_view archive);

  // Archives (archive_records.cc).
  // Notes the archive's creation time, the first time it is configured.
  Status RegisterArchive(std::string_view archive, SystemTime now);
  Result<ArchiveStats> StatsOf(std::string_view archive);
  // Up to `limit` of the archive's events after (after_ms, after_id) and before `end`, in
  // (time, id) order.
  Result<std::vector<ArchivedEvent>> ArchivedAfter(std::string_view archive, std::int64_t after_ms,
                                                   std::string_view after_id, SystemTime end, std::size_t limit);

  // Replays (archive_records.cc). Creates it in state STARTING with its total counted, in one
  // transaction; false when the name is taken.
  Result<bool> CreateReplay(ReplayRecord& replay);
  Result<std::optional<ReplayRecord>> GetReplay(std::string_view name);
  Result<std::vector<ReplayRecord>> ListReplays();
  // Queues the invocations of replayed events and moves the replay past them, in one synced
  // transaction: after a crash the replay resumes after the last event whose invocations are
  // queued, never before it (nothing twice), never after it (nothing lost). STARTING becomes
  // RUNNING; a CANCELLING replay stays CANCELLING.
  Status AdvanceReplay(const ReplayRecord& replay, const std::vector<NewInvocation>& invocations, std::int64_t replayed,
                       const ArchivedEvent& last);
  // Moves the replay to `to` if it is in one of `from`; false when it was not (or is unknown).
  Result<bool> ChangeReplayState(std::string_view name, const std::vector<std::string_view>& from, std::string_view to,
                                 std::string_view reason, std::optional<SystemTime> ended_at);

  // How many invocations wait (for tests and the CLI).
  Result<std::int64_t> CountWaiting();

 private:
  explicit DeliveryQueue(std::unique_ptr<store::Connection> connection);
  void WriterLoop();
  Status Commit(const std::vector<NewInvocation>& invocations, bool& added);
  // Inserts the invocations (keys already queued are left alone) inside the open transaction.
  Status Insert(const std::vector<NewInvocation>& invocations, bool& added);
  void NotifyListener();
  // Runs `work` inside BEGIN IMMEDIATE … COMMIT with the given durability, rolling back when it
  // or the commit fails. Caller holds mutex_.
  Status InTransaction(bool durable, const std::function<Status()>& work);
  // Only queueing must be synced before it is acknowledged. A lost mark (running, rescheduled,
  // finished) after a power loss costs at most one more invocation, which every handler must
  // bear anyway (delivery is at least once), so those commits skip the sync (WAL with
  // synchronous = NORMAL: still atomic, durable at the next synced commit or checkpoint).
  Status Durable(bool durable);

  std::unique_ptr<store::Connection> connection_;  // guarded by mutex_ (reads and writes are rare)
  std::mutex mutex_;
  bool durable_ = true;  // guarded by mutex_: the connection's synchronous setting (FULL when opened)
  std::condition_variable wake_;
  struct Pending {
    std::vector<NewInvocation> invocations;
    std::function<void(const Status&)> done;
  };
  std::deque<Pending> pending_;  // guarded by queue_mutex_
  std::mutex queue_mutex_;
  bool closing_ = false;  // guarded by queue_mutex_
  std::mutex listener_mutex_;
  std::function<void()> listener_;  // guarded by listener_mutex_
  std::thread writer_;
};

}  // namespace jobstream::destinations
