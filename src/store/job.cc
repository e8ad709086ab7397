#include "store/job.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace jobstream::store {
namespace {

// Parses FormatIso8601's output back; the store only reads what it wrote itself.
Result<SystemTime> ParseIso8601(std::string_view text) {
  std::tm utc{};
  int millis = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                  &utc.tm_min, &utc.tm_sec, &millis) != 7) {
    return Status::Internal("stored timestamp is malformed: " + copy);
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  std::time_t seconds = timegm(&utc);
  return SystemTime(std::chrono::seconds(seconds)) + std::chrono::milliseconds(millis);
}

}  // namespace

std::string Job::AggregateStatus() const {
  if (consumers.empty()) return "Pending";
  bool all_terminal = true;
  bool any_failure = false;
  bool any_started = false;
  for (const auto& [name, state] : consumers) {
    if (!state.IsTerminal()) all_terminal = false;
    if (state.status == "Failure") any_failure = true;
    if (state.status != "Pending") any_started = true;
  }
  if (all_terminal) return any_failure ? "Failure" : "Success";
  return any_started ? "Running" : "Pending";
}

boost::json::object Job::ToItem() const {
  boost::json::object item;
  item["id"] = id;
  item["parameters"] = parameters;
  item["status"] = AggregateStatus();
  boost::json::object consumer_items;
  for (const auto& [name, state] : consumers) {
    boost::json::object entry;
    entry["status"] = state.status;
    if (!state.results.is_null()) entry["results"] = state.results;
    if (!state.error.is_null()) entry["error"] = state.error;
    consumer_items[name] = std::move(entry);
  }
  item["consumers"] = std::move(consumer_items);
  item["version"] = version;
  item["createdAt"] = FormatIso8601(created_at);
  item["updatedAt"] = FormatIso8601(updated_at);
  return item;
}

std::string Job::ToItemJson() const { return boost::json::serialize(ToItem()); }

Result<Job> Job::FromItemJson(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return Status::Internal("stored job item is not a JSON object");
  const auto& item = parsed.as_object();
  try {
    Job job;
    job.id = item.at("id").as_string().c_str();
    job.parameters = item.at("parameters").as_object();
    job.version = item.at("version").to_number<std::int64_t>();
    for (const auto& [name, entry_value] : item.at("consumers").as_object()) {
      const auto& entry = entry_value.as_object();
      ConsumerState state;
      state.status = entry.at("status").as_string().c_str();
      if (const auto* results = entry.if_contains("results")) state.results = *results;
      if (const auto* error = entry.if_contains("error")) state.error = *error;
      job.consumers.emplace(std::string(name), std::move(state));
    }
    auto created = ParseIso8601(item.at("createdAt").as_string());
    auto updated = ParseIso8601(item.at("updatedAt").as_string());
    if (!created.ok()) return created.error();
    if (!updated.ok()) return updated.error();
    job.created_at = *created;
    job.updated_at = *updated;
    return job;
  } catch (const std::exception& e) {  // Boost.JSON accessors throw on a shape we did not write
    return Status::Internal(std::string("stored job item is malformed: ") + e.what());
  }
}

}  // namespace jobstream::store
