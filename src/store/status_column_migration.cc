#include "store/status_column_migration.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

#include "store/job.h"

namespace jobstream::store {
namespace {

constexpr const char* kCreateIndex = "CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, id)";

Result<bool> HasStatusColumn(Connection& connection) {
  Statement columns(connection.handle(), "SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'status'");
  bool found = columns.Step();
  if (!columns.status().ok()) return columns.status();
  return found;
}

// The column's value for one stored item: its aggregate status, or nullopt (NULL).
std::optional<std::string> StatusOfItemText(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxItemDepth;
  boost::json::value item = boost::json::parse(text, ec, {}, options);
  if (ec || !item.is_object()) return std::nullopt;
  return AggregateStatusOfItem(item.get_object());
}

}  // namespace

Status MigrateStatusColumn(Connection& connection) {
  auto present = HasStatusColumn(connection);
  if (!present.ok()) return present.error();
  if (*present) return connection.Execute(kCreateIndex);  // a new store: the schema made the column

  if (Status status = connection.Execute("BEGIN IMMEDIATE"); !status.ok()) return status;
  auto fail = [&connection](Status status) {
    (void)connection.Execute("ROLLBACK");
    return status;
  };
  if (Status status = connection.Execute("ALTER TABLE jobs ADD COLUMN status TEXT"); !status.ok()) return fail(status);
  Statement jobs(connection.handle(), "SELECT rowid, item FROM jobs");
  Statement fill(connection.handle(), "UPDATE jobs SET status = ?2 WHERE rowid = ?1");
  std::int64_t filled = 0;
  std::int64_t unreadable = 0;
  while (jobs.Step()) {
    auto job_status = StatusOfItemText(jobs.ColumnText(1));
    fill.Bind(1, jobs.ColumnInt(0));
    if (job_status) {
      fill.Bind(2, *job_status);
    } else {
      fill.BindNull(2);
      ++unreadable;
    }
    if (Status status = fill.Run(); !status.ok()) return fail(status);
    ++filled;
  }
  if (!jobs.status().ok()) return fail(jobs.status());
  if (Status status = connection.Execute(kCreateIndex); !status.ok()) return fail(status);
  if (Status status = connection.Execute("COMMIT"); !status.ok()) return fail(status);
  spdlog::info("added the jobs table's status column for listing by status ({} jobs filled, {} not readable as jobs)",
               filled, unreadable);
  return Status::Ok();
}

}  // namespace jobstream::store
