#include "store/job.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "common/clock.h"
#include "common/json_text.h"
#include "stream/dynamo_json.h"

namespace jobstream::store {
namespace {

Result<SystemTime> ReadTimestamp(const boost::json::value& text) {
  auto time = ParseIso8601(text.as_string());
  if (!time) return Status::Corruption("stored timestamp is malformed: " + std::string(text.as_string()));
  return *time;
}

}  // namespace

std::string Job::AggregateStatus() const {
  // No consumer's filter accepted the job: nothing will ever write to it, so it is final.
  if (consumers.empty()) return "Filtered";
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

bool Job::Finished() const {
  return !consumers.empty() &&
         std::all_of(consumers.begin(), consumers.end(), [](const auto& entry) { return entry.second.IsTerminal(); });
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

namespace {

// Writes the item's members in ToItem's order, each value in plain or typed JSON.
template <bool Typed>
std::string WriteItem(const Job& job) {
  std::string out;
  out.reserve(512);
  auto key = [&out](std::string_view name, bool first = false) {
    if (!first) out.push_back(',');
    out.push_back('"');
    out.append(name);  // our own member names: nothing to escape
    out.append("\":");
  };
  auto text = [&out](std::string_view value) {
    if constexpr (Typed) out.append(R"({"S":)");
    AppendJsonString(out, value);
    if constexpr (Typed) out.push_back('}');
  };
  auto value = [&out](const boost::json::value& v) {
    if constexpr (Typed) {
      stream::AppendAttributeValue(out, v);
    } else {
      AppendJsonValue(out, v);
    }
  };
  out.push_back('{');
  key("id", true);
  text(job.id);
  key("parameters");
  if constexpr (Typed) {
    out.append(R"({"M":)");
    stream::AppendAttributeMap(out, job.parameters);
    out.push_back('}');
  } else {
    AppendJsonValue(out, job.parameters);
  }
  key("status");
  text(job.AggregateStatus());
  key("consumers");
  if constexpr (Typed) out.append(R"({"M":)");
  out.push_back('{');
  bool first = true;
  for (const auto& [name, state] : job.consumers) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, name);
    out.push_back(':');
    if constexpr (Typed) out.append(R"({"M":)");
    out.push_back('{');
    key("status", true);
    text(state.status);
    if (!state.results.is_null()) {
      key("results");
      value(state.results);
    }
    if (!state.error.is_null()) {
      key("error");
      value(state.error);
    }
    out.push_back('}');
    if constexpr (Typed) out.push_back('}');
  }
  out.push_back('}');
  if constexpr (Typed) out.push_back('}');
  key("version");
  if constexpr (Typed) out.append(R"({"N":")");
  AppendJsonNumber(out, job.version);
  if constexpr (Typed) out.append(R"("})");
  key("createdAt");
  text(FormatIso8601(job.created_at));
  key("updatedAt");
  text(FormatIso8601(job.updated_at));
  out.push_back('}');
  return out;
}

}  // namespace

std::string Job::ToItemJson() const { return WriteItem<false>(*this); }

std::string Job::ToTypedItemJson() const { return WriteItem<true>(*this); }

Result<Job> Job::FromItemJson(std::string_view json) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxItemDepth;
  boost::json::value parsed = boost::json::parse(json, ec, {}, options);
  if (ec || !parsed.is_object()) {
    return Status::Corruption("stored job item is not a JSON object: " + (ec ? ec.message() : "another type"));
  }
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
    auto created = ReadTimestamp(item.at("createdAt"));
    auto updated = ReadTimestamp(item.at("updatedAt"));
    if (!created.ok()) return created.error();
    if (!updated.ok()) return updated.error();
    job.created_at = *created;
    job.updated_at = *updated;
    return job;
  } catch (const std::exception& e) {  // Boost.JSON accessors throw on a shape we did not write
    return Status::Corruption(std::string("stored job item is malformed: ") + e.what());
  }
}

}  // namespace jobstream::store
