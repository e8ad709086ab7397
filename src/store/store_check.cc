#include "store/store_check.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "store/data_dir_guard.h"
#include "store/job.h"
#include "store/sqlite_connection.h"

namespace jobstream::store {
namespace {

// More problems of one kind than this are counted, not listed.
constexpr std::size_t kMaxListedProblems = 20;

class ProblemList {
 public:
  explicit ProblemList(std::vector<std::string>& out) : out_(out) {}
  void Add(const std::string& kind, std::string detail) {
    std::size_t& count = counts_[kind];
    if (++count <= kMaxListedProblems) out_.push_back(std::move(detail));
  }
  void Summarise() {
    for (const auto& [kind, count] : counts_) {
      if (count > kMaxListedProblems)
        out_.push_back(fmt::format("… and {} more: {}", count - kMaxListedProblems, kind));
    }
  }

 private:
  std::vector<std::string>& out_;
  std::map<std::string, std::size_t> counts_;
};

}  // namespace

Result<CheckReport> CheckStore(const std::filesystem::path& data_dir) {
  Status status;
  auto connection = Connection::OpenReadOnly(data_dir / kDatabaseFile, status);
  if (!connection) return status;
  CheckReport report;
  ProblemList problems(report.problems);
  sqlite3* db = connection->handle();
  // One read transaction: every query below sees the same snapshot, even beside a server.
  if (status = connection->Execute("BEGIN"); !status.ok()) return status;

  Statement integrity(db, "PRAGMA integrity_check(100)");
  while (integrity.Step()) {
    std::string line(integrity.ColumnText(0));
    if (line != "ok") problems.Add("integrity", "SQLite integrity check: " + line);
  }
  if (!integrity.status().ok()) return integrity.status();

  Statement shards(db, "SELECT value FROM meta WHERE key = 'shards'");
  if (shards.Step()) {
    std::string text(shards.ColumnText(0));
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 1024) {
      problems.Add("meta", fmt::format("meta.shards is '{}', not a shard count", text));
    } else {
      report.shards = value;
    }
  } else {
    if (!shards.status().ok()) return shards.status();
    problems.Add("meta", "meta.shards is missing");
  }

  std::int64_t last_sequence = 0;
  Statement saved(db, "SELECT value FROM meta WHERE key = 'last_sequence'");
  if (saved.Step()) last_sequence = std::stoll(std::string(saved.ColumnText(0)));
  Statement newest(db, "SELECT max(seq), count(*) FROM stream");
  if (newest.Step()) {
    if (!newest.ColumnIsNull(0)) last_sequence = std::max(last_sequence, newest.ColumnInt(0));
    report.records = newest.ColumnInt(1);
  }
  if (!newest.status().ok()) return newest.status();

  // The status column (status_column_migration.h) is checked where it exists: a store from before
  // it gets it at the server's next start.
  Statement status_column(db, "SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'status'");
  const bool has_status = status_column.Step();
  if (!status_column.status().ok()) return status_column.status();
  Statement jobs(db, has_status ? "SELECT id, item, version, status FROM jobs" : "SELECT id, item, version FROM jobs");
  while (jobs.Step()) {
    ++report.jobs;
    std::string id(jobs.ColumnText(0));
    auto job = Job::FromItemJson(jobs.ColumnText(1));
    if (!job.ok()) {
      problems.Add("unreadable item", fmt::format("job {}: {}", id, job.error().message()));
      continue;
    }
    if (job->id != id) problems.Add("item id", fmt::format("job {}: its item says id {}", id, job->id));
    if (job->version != jobs.ColumnInt(2)) {
      problems.Add("version",
                   fmt::format("job {}: version {} in its row, {} in its item", id, jobs.ColumnInt(2), job->version));
    }
    if (has_status) {
      const std::string expected = job->AggregateStatus();
      const std::string_view stored = jobs.ColumnIsNull(3) ? std::string_view("NULL") : jobs.ColumnText(3);
      if (stored != expected) {
        problems.Add("status", fmt::format("job {}: status {} in its row, {} by its item (GET /jobs?status= lists "
                                           "it wrongly)",
                                           id, stored, expected));
      }
    }
  }
  if (!jobs.status().ok()) return jobs.status();

  if (report.shards > 0) {
    Statement stray(db, "SELECT seq, shard FROM stream WHERE shard < 0 OR shard >= ?1");
    stray.Bind(1, std::int64_t{report.shards});
    while (stray.Step()) {
      problems.Add("shard", fmt::format("stream record {} is in shard {}, outside 0..{}", stray.ColumnInt(0),
                                        stray.ColumnInt(1), report.shards - 1));
    }
    if (!stray.status().ok()) return stray.status();
  }
  Statement orphans(db, "SELECT seq, job_id FROM stream WHERE job_id NOT IN (SELECT id FROM jobs)");
  while (orphans.Step()) {
    problems.Add("orphan record", fmt::format("stream record {} belongs to job {}, which does not exist",
                                              orphans.ColumnInt(0), orphans.ColumnText(1)));
  }
  if (!orphans.status().ok()) return orphans.status();

  Statement checkpoints(db, "SELECT consumer, shard, seq FROM checkpoints");
  while (checkpoints.Step()) {
    ++report.checkpoints;
    if (checkpoints.ColumnInt(2) > last_sequence) {
      problems.Add(
          "checkpoint",
          fmt::format("consumer {} is checkpointed at {} in shard {}, past the stream's end ({})",
                      checkpoints.ColumnText(0), checkpoints.ColumnInt(2), checkpoints.ColumnInt(1), last_sequence));
    }
  }
  if (!checkpoints.status().ok()) return checkpoints.status();
  problems.Summarise();
  return report;
}

}  // namespace jobstream::store
