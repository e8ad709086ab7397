// DeliveryQueue's archive and replay records (delivery_queue.h): what an archive holds, and the
// replays of it with their progress, in deliveries.db beside the invocations they queue, so that
// a replay's step (its invocations and its new position) is one transaction.
#include <boost/algorithm/string/join.hpp>
#include <boost/algorithm/string/split.hpp>

#include "destinations/delivery_queue.h"

namespace jobstream::destinations {
namespace {

constexpr std::string_view kReplayColumns =
    "name, description, archive, bus, rules, event_start_ms, event_end_ms, state, state_reason, started_ms, "
    "ended_ms, last_replayed_ms, replayed, total, position_ms, position_id";

std::optional<SystemTime> OptionalTime(const store::Statement& row, int column) {
  if (row.ColumnIsNull(column)) return std::nullopt;
  return FromUnixMillis(row.ColumnInt(column));
}

// A row selected with kReplayColumns.
ReplayRecord ReplayFromRow(const store::Statement& row) {
  ReplayRecord replay;
  replay.name = row.ColumnText(0);
  replay.description = row.ColumnText(1);
  replay.archive = row.ColumnText(2);
  replay.bus = row.ColumnText(3);
  const std::string rules(row.ColumnText(4));
  if (!rules.empty()) boost::algorithm::split(replay.rules, rules, [](char c) { return c == '\n'; });
  replay.event_start = FromUnixMillis(row.ColumnInt(5));
  replay.event_end = FromUnixMillis(row.ColumnInt(6));
  replay.state = row.ColumnText(7);
  replay.state_reason = row.ColumnText(8);
  replay.started_at = FromUnixMillis(row.ColumnInt(9));
  replay.ended_at = OptionalTime(row, 10);
  replay.last_replayed = OptionalTime(row, 11);
  replay.replayed = row.ColumnInt(12);
  replay.total = row.ColumnInt(13);
  replay.position_ms = row.ColumnInt(14);
  replay.position_id = row.ColumnText(15);
  return replay;
}

}  // namespace

Status DeliveryQueue::RegisterArchive(std::string_view archive, SystemTime now) {
  std::lock_guard lock(mutex_);
  if (Status status = Durable(true); !status.ok()) return status;
  store::Statement insert(connection_->handle(), "INSERT OR IGNORE INTO archives (name, created_ms) VALUES (?1, ?2)");
  return insert.Bind(1, archive).Bind(2, ToUnixMillis(now)).Run();
}

Result<ArchiveStats> DeliveryQueue::StatsOf(std::string_view archive) {
  std::lock_guard lock(mutex_);
  store::Statement count(
      connection_->handle(),
      "SELECT count(*), coalesce(sum(length(CAST(event AS BLOB))), 0) FROM archived_events WHERE archive = ?1");
  ArchiveStats stats;
  if (count.Bind(1, archive).Step()) {
    stats.events = count.ColumnInt(0);
    stats.bytes = count.ColumnInt(1);
  }
  if (!count.status().ok()) return count.status();
  store::Statement created(connection_->handle(), "SELECT created_ms FROM archives WHERE name = ?1");
  if (created.Bind(1, archive).Step()) stats.created_at = FromUnixMillis(created.ColumnInt(0));
  if (!created.status().ok()) return created.status();
  return stats;
}

Result<std::vector<ArchivedEvent>> DeliveryQueue::ArchivedAfter(std::string_view archive, std::int64_t after_ms,
                                                                std::string_view after_id, SystemTime end,
                                                                std::size_t limit) {
  std::lock_guard lock(mutex_);
  store::Statement select(connection_->handle(),
                          "SELECT event_id, time_ms, event FROM archived_events "
                          "WHERE archive = ?1 AND (time_ms, event_id) > (?2, ?3) AND time_ms < ?4 "
                          "ORDER BY time_ms, event_id LIMIT ?5");
  select.Bind(1, archive)
      .Bind(2, after_ms)
      .Bind(3, after_id)
      .Bind(4, ToUnixMillis(end))
      .Bind(5, static_cast<std::int64_t>(limit));
  std::vector<ArchivedEvent> events;
  while (select.Step()) {
    events.push_back(ArchivedEvent{std::string(select.ColumnText(0)), FromUnixMillis(select.ColumnInt(1)),
                                   std::string(select.ColumnText(2))});
  }
  if (!select.status().ok()) return select.status();
  return events;
}

Result<bool> DeliveryQueue::CreateReplay(ReplayRecord& replay) {
  std::lock_guard lock(mutex_);
  bool created = false;
  Status status = InTransaction(true, [&]() -> Status {
    store::Statement count(
        connection_->handle(),
        "SELECT count(*) FROM archived_events WHERE archive = ?1 AND time_ms >= ?2 AND time_ms < ?3");
    if (count.Bind(1, replay.archive)
            .Bind(2, ToUnixMillis(replay.event_start))
            .Bind(3, ToUnixMillis(replay.event_end))
            .Step()) {
      replay.total = count.ColumnInt(0);
    }
    if (!count.status().ok()) return count.status();
    // Everything at or after event_start: the empty id sorts before every event's.
    replay.position_ms = ToUnixMillis(replay.event_start);
    replay.position_id.clear();
    store::Statement insert(connection_->handle(),
                            "INSERT OR IGNORE INTO replays (" + std::string(kReplayColumns) +
                                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, 0, ?11, ?12, '')");
    Status status = insert.Bind(1, replay.name)
                        .Bind(2, replay.description)
                        .Bind(3, replay.archive)
                        .Bind(4, replay.bus)
                        .Bind(5, boost::algorithm::join(replay.rules, "\n"))
                        .Bind(6, ToUnixMillis(replay.event_start))
                        .Bind(7, ToUnixMillis(replay.event_end))
                        .Bind(8, replay.state)
                        .Bind(9, replay.state_reason)
                        .Bind(10, ToUnixMillis(replay.started_at))
                        .Bind(11, replay.total)
                        .Bind(12, replay.position_ms)
                        .Run();
    created = sqlite3_changes(connection_->handle()) > 0;
    return status;
  });
  if (!status.ok()) return status;
  return created;
}

Result<std::optional<ReplayRecord>> DeliveryQueue::GetReplay(std::string_view name) {
  std::lock_guard lock(mutex_);
  store::Statement select(connection_->handle(),
                          "SELECT " + std::string(kReplayColumns) + " FROM replays WHERE name = ?1");
  std::optional<ReplayRecord> replay;
  if (select.Bind(1, name).Step()) replay = ReplayFromRow(select);
  if (!select.status().ok()) return select.status();
  return replay;
}

Result<std::vector<ReplayRecord>> DeliveryQueue::ListReplays() {
  std::lock_guard lock(mutex_);
  store::Statement select(connection_->handle(),
                          "SELECT " + std::string(kReplayColumns) + " FROM replays ORDER BY name");
  std::vector<ReplayRecord> replays;
  while (select.Step()) replays.push_back(ReplayFromRow(select));
  if (!select.status().ok()) return select.status();
  return replays;
}

Status DeliveryQueue::AdvanceReplay(const ReplayRecord& replay, const std::vector<NewInvocation>& invocations,
                                    std::int64_t replayed, const ArchivedEvent& last) {
  bool added = false;
  {
    std::lock_guard lock(mutex_);
    Status status = InTransaction(true, [&]() -> Status {
      if (Status status = Insert(invocations, added); !status.ok()) return status;
      store::Statement update(connection_->handle(),
                              "UPDATE replays SET replayed = replayed + ?2, total = max(total, replayed + ?2), "
                              "position_ms = ?3, position_id = ?4, last_replayed_ms = ?3, "
                              "state = CASE state WHEN 'STARTING' THEN 'RUNNING' ELSE state END WHERE name = ?1");
      return update.Bind(1, replay.name).Bind(2, replayed).Bind(3, ToUnixMillis(last.time)).Bind(4, last.id).Run();
    });
    if (!status.ok()) return status;
  }
  if (added) NotifyListener();
  return Status::Ok();
}

Result<bool> DeliveryQueue::ChangeReplayState(std::string_view name, const std::vector<std::string_view>& from,
                                              std::string_view to, std::string_view reason,
                                              std::optional<SystemTime> ended_at) {
  std::lock_guard lock(mutex_);
  if (Status status = Durable(true); !status.ok()) return status;
  bool changed = false;
  for (std::string_view state : from) {
    store::Statement update(connection_->handle(),
                            "UPDATE replays SET state = ?3, state_reason = ?4, ended_ms = ?5 "
                            "WHERE name = ?1 AND state = ?2");
    update.Bind(1, name).Bind(2, state).Bind(3, to).Bind(4, reason);
    if (ended_at) update.Bind(5, ToUnixMillis(*ended_at));
    if (Status status = update.Run(); !status.ok()) return status;
    if (sqlite3_changes(connection_->handle()) > 0) changed = true;
  }
  return changed;
}

}  // namespace jobstream::destinations
