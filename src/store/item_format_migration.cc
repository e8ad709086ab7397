#include "store/item_format_migration.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <string>

#include "stream/dynamo_json.h"

namespace jobstream::store {
namespace {

// The format items are written in now; bumped when their shape changes again.
constexpr std::string_view kItemFormat = "dynamodb-1";

}  // namespace

Result<Job> FromLegacyItemJson(std::string_view json) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxItemDepth;
  boost::json::value parsed = boost::json::parse(json, ec, {}, options);
  if (ec || !parsed.is_object()) return Status::Corruption("legacy job item is not a JSON object");
  const auto& item = parsed.get_object();
  const auto* id = item.if_contains("id");
  const auto* parameters = item.if_contains("parameters");
  const auto* consumers = item.if_contains("consumers");
  const auto* version = item.if_contains("version");
  const auto* created = item.if_contains("createdAt");
  const auto* updated = item.if_contains("updatedAt");
  if (id == nullptr || !id->is_string() || parameters == nullptr || !parameters->is_object() || consumers == nullptr ||
      !consumers->is_object() || version == nullptr || !version->is_int64() || created == nullptr ||
      !created->is_string() || updated == nullptr || !updated->is_string()) {
    return Status::Corruption("legacy job item lacks id, parameters, consumers, version or its timestamps");
  }
  Job job;
  job.id = id->get_string();
  job.attributes = stream::ToAttributeMap(parameters->get_object());
  job.version = version->get_int64();
  auto created_at = ParseIso8601(created->get_string());
  auto updated_at = ParseIso8601(updated->get_string());
  if (!created_at || !updated_at) return Status::Corruption("legacy job item has a malformed timestamp");
  job.created_at = *created_at;
  job.updated_at = *updated_at;
  for (const auto& [name, entry] : consumers->get_object()) {
    const auto* fields = entry.if_object();
    const auto* status = fields != nullptr ? fields->if_contains("status") : nullptr;
    if (status == nullptr || !status->is_string()) return Status::Corruption("legacy consumer entry lacks its status");
    ConsumerState state;
    state.status = status->get_string();
    if (const auto* results = fields->if_contains("results")) state.results = *results;
    if (const auto* error = fields->if_contains("error")) state.error = *error;
    job.consumers.emplace(std::string(name), std::move(state));
  }
  return job;
}

Status MigrateItemFormat(Connection& connection) {
  Statement format(connection.handle(), "SELECT value FROM meta WHERE key = 'item_format'");
  if (format.Step()) {
    if (format.ColumnText(0) == kItemFormat) return Status::Ok();
    return Status::Corruption(
        fmt::format("jobs.db holds items in format '{}', which this version does not know "
                    "(it writes '{}'): it was written by a newer jobstream",
                    format.ColumnText(0), kItemFormat));
  }
  if (!format.status().ok()) return format.status();

  if (Status status = connection.Execute("BEGIN IMMEDIATE"); !status.ok()) return status;
  auto fail = [&connection](Status status) {
    (void)connection.Execute("ROLLBACK");
    return status;
  };
  Statement jobs(connection.handle(), "SELECT id, item FROM jobs");
  Statement rewrite(connection.handle(), "UPDATE jobs SET item = ?2 WHERE id = ?1");
  std::int64_t migrated = 0;
  while (jobs.Step()) {
    std::string id(jobs.ColumnText(0));
    auto job = FromLegacyItemJson(jobs.ColumnText(1));
    if (!job.ok()) {
      return fail(Status::Corruption(
          fmt::format("job {}: {}; jobs.db was not changed (restore it from a backup, or remove the job with sqlite3)",
                      id, job.error().message())));
    }
    if (Status status = rewrite.Bind(1, id).Bind(2, job->ToTypedItemJson()).Run(); !status.ok()) return fail(status);
    ++migrated;
  }
  if (!jobs.status().ok()) return fail(jobs.status());
  Statement mark(connection.handle(), "INSERT INTO meta (key, value) VALUES ('item_format', ?1)");
  if (Status status = mark.Bind(1, kItemFormat).Run(); !status.ok()) return fail(status);
  if (Status status = connection.Execute("COMMIT"); !status.ok()) return fail(status);
  if (migrated > 0) {
    spdlog::warn(
        "rewrote {} jobs from the pre-DynamoDB item shape to the reference's (parameters at the top of the item, "
        "job_status, version); their earlier stream records keep the old shape",
        migrated);
  }
  return Status::Ok();
}

}  // namespace jobstream::store
