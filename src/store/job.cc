#include "store/job.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <system_error>
#include <utility>

#include "common/clock.h"
#include "common/json_text.h"
#include "stream/dynamo_json.h"

namespace jobstream::store {

namespace {

// The aggregate rule (Job::AggregateStatus), fed one consumer entry's status at a time, so that
// the job and its stored item (AggregateStatusOfItem) can never disagree.
class StatusTally {
 public:
  void Add(std::string_view status) {
    any_ = true;
    if (status != "Success" && status != "Failure") all_terminal_ = false;
    if (status == "Failure") any_failure_ = true;
    if (status != "Pending") any_started_ = true;
  }
  std::string Aggregate() const {
    // No consumer's filter accepted the job: nothing will ever write to it, so it is final.
    if (!any_) return "Filtered";
    if (all_terminal_) return any_failure_ ? "Failure" : "Success";
    return any_started_ ? "Running" : "Pending";
  }

 private:
  bool any_ = false;
  bool all_terminal_ = true;
  bool any_failure_ = false;
  bool any_started_ = false;
};

}  // namespace

std::string Job::AggregateStatus() const {
  StatusTally tally;
  for (const auto& [name, state] : consumers) tally.Add(state.status);
  return tally.Aggregate();
}

bool Job::Finished() const {
  return !consumers.empty() &&
         std::all_of(consumers.begin(), consumers.end(), [](const auto& entry) { return entry.second.IsTerminal(); });
}

bool IsReservedAttribute(std::string_view name) {
  return name == kIdAttribute || name == kJobStatusAttribute || name == kVersionAttribute ||
         name == kCreatedAtAttribute || name == kUpdatedAtAttribute;
}

namespace {

void AppendKey(std::string& out, std::string_view name) {
  out.push_back('"');
  out.append(name);  // our own attribute names: nothing to escape
  out.append("\":");
}

void AppendTypedString(std::string& out, std::string_view value) {
  out.append(R"({"S":)");
  AppendJsonString(out, value);
  out.push_back('}');
}

// A consumer's entry in job_status, typed: {"M": {"status": {"S"}, "results": …, "error": …}}.
void AppendTypedState(std::string& out, const ConsumerState& state) {
  out.append(R"({"M":{"status":)");
  AppendTypedString(out, state.status);
  if (!state.results.is_null()) {
    out.append(R"(,"results":)");
    stream::AppendAttributeValue(out, state.results);
  }
  if (!state.error.is_null()) {
    out.append(R"(,"error":)");
    stream::AppendAttributeValue(out, state.error);
  }
  for (const auto& [name, attribute] : state.other) {
    if (ConsumerState::IsOwnMember(name)) continue;
    out.push_back(',');
    AppendJsonString(out, name);
    out.push_back(':');
    out.append(boost::json::serialize(attribute));
  }
  out.append("}}");
}

// A plain view of a typed attribute. Every attribute jobstream writes has one; one written
// another way that has none (binary) is shown in its typed form rather than failing the read.
boost::json::value PlainOrTyped(const boost::json::value& attribute) {
  auto plain = stream::FromAttributeValue(attribute);
  return plain.ok() ? std::move(plain).value() : attribute;
}

}  // namespace

std::string Job::ToTypedItemJson() const {
  std::string out;
  out.reserve(384);
  out.push_back('{');
  AppendKey(out, kIdAttribute);
  AppendTypedString(out, id);
  for (const auto& [name, attribute] : attributes) {
    out.push_back(',');
    AppendJsonString(out, name);
    out.push_back(':');
    AppendJsonValue(out, attribute);
  }
  out.push_back(',');
  AppendKey(out, kJobStatusAttribute);
  out.append(R"({"M":{)");
  bool first = true;
  for (const auto& [name, state] : consumers) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, name);
    out.push_back(':');
    AppendTypedState(out, state);
  }
  out.append("}},");
  AppendKey(out, kVersionAttribute);
  out.append(R"({"N":")");
  AppendJsonNumber(out, version);
  out.append(R"("},)");
  AppendKey(out, kCreatedAtAttribute);
  AppendTypedString(out, FormatIso8601(created_at));
  out.push_back(',');
  AppendKey(out, kUpdatedAtAttribute);
  AppendTypedString(out, FormatIso8601(updated_at));
  out.push_back('}');
  return out;
}

boost::json::object Job::ToTypedItem() const {
  boost::json::parse_options options;
  options.max_depth = kMaxItemDepth + 2;
  return boost::json::parse(ToTypedItemJson(), {}, options).as_object();
}

std::string Job::ToViewJson() const {
  std::string out;
  out.reserve(384);
  out.append(R"({"id":)");
  AppendJsonString(out, id);
  out.append(R"(,"parameters":{)");
  bool first = true;
  for (const auto& [name, attribute] : attributes) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, name);
    out.push_back(':');
    AppendJsonValue(out, PlainOrTyped(attribute));
  }
  out.append(R"(},"status":)");
  AppendJsonString(out, AggregateStatus());
  out.append(R"(,"consumers":{)");
  first = true;
  for (const auto& [name, state] : consumers) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, name);
    out.append(R"(:{"status":)");
    AppendJsonString(out, state.status);
    if (!state.results.is_null()) {
      out.append(R"(,"results":)");
      AppendJsonValue(out, state.results);
    }
    if (!state.error.is_null()) {
      out.append(R"(,"error":)");
      AppendJsonValue(out, state.error);
    }
    for (const auto& [field, attribute] : state.other) {
      if (ConsumerState::IsOwnMember(field)) continue;
      out.push_back(',');
      AppendJsonString(out, field);
      out.push_back(':');
      AppendJsonValue(out, PlainOrTyped(attribute));
    }
    out.push_back('}');
  }
  out.append(R"(},"version":)");
  AppendJsonNumber(out, version);
  out.append(R"(,"createdAt":)");
  AppendJsonString(out, FormatIso8601(created_at));
  out.append(R"(,"updatedAt":)");
  AppendJsonString(out, FormatIso8601(updated_at));
  out.push_back('}');
  return out;
}

namespace {

Status Malformed(std::string_view what) {
  return Status::Corruption("stored job item is malformed: " + std::string(what));
}

// The payload of a typed attribute of type `type` (e.g. the string of {"S": "x"}), or null.
const boost::json::value* PayloadOf(const boost::json::value* attribute, std::string_view type) {
  const boost::json::object* typed = attribute != nullptr ? attribute->if_object() : nullptr;
  if (typed == nullptr || typed->size() != 1) return nullptr;
  return typed->if_contains(type);
}

Result<SystemTime> ReadTimestampAttribute(const boost::json::object& item, std::string_view name) {
  const boost::json::value* text = PayloadOf(item.if_contains(name), "S");
  if (text == nullptr || !text->is_string()) return Malformed(std::string(name) + " is not a string attribute");
  auto time = ParseIso8601(text->get_string());
  if (!time) return Malformed(std::string(name) + " is not an ISO-8601 time");
  return *time;
}

Result<ConsumerState> ReadConsumerState(std::string_view name, const boost::json::value& entry) {
  const boost::json::value* members = PayloadOf(&entry, "M");
  if (members == nullptr || !members->is_object())
    return Malformed("job_status." + std::string(name) + " is not a map");
  const auto& fields = members->get_object();
  ConsumerState state;
  const boost::json::value* status = PayloadOf(fields.if_contains("status"), "S");
  if (status == nullptr || !status->is_string()) {
    return Malformed("job_status." + std::string(name) + ".status is not a string");
  }
  state.status = status->get_string();
  for (auto [key, out] : {std::pair{"results", &state.results}, std::pair{"error", &state.error}}) {
    const boost::json::value* typed = fields.if_contains(key);
    if (typed == nullptr) continue;
    auto plain = stream::FromAttributeValue(*typed);
    if (!plain.ok()) return Malformed("job_status." + std::string(name) + "." + key + ": " + plain.error().message());
    *out = std::move(plain).value();
  }
  for (const auto& [key, attribute] : fields) {
    if (!ConsumerState::IsOwnMember(key)) state.other.emplace(key, attribute);
  }
  return state;
}

}  // namespace

std::optional<std::string> AggregateStatusOfItem(const boost::json::object& item) {
  const boost::json::value* status_attribute = item.if_contains(kJobStatusAttribute);
  if (status_attribute == nullptr) return StatusTally().Aggregate();  // no entry yet, as FromItemJson reads it
  const boost::json::value* states = PayloadOf(status_attribute, "M");
  if (states == nullptr || !states->is_object()) return std::nullopt;
  StatusTally tally;
  for (const auto& [name, entry] : states->get_object()) {
    const boost::json::value* members = PayloadOf(&entry, "M");
    if (members == nullptr || !members->is_object()) return std::nullopt;
    const boost::json::value* status = PayloadOf(members->get_object().if_contains("status"), "S");
    if (status == nullptr || !status->is_string()) return std::nullopt;
    tally.Add(status->get_string());
  }
  return tally.Aggregate();
}

Result<Job> Job::FromItemJson(std::string_view json) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxItemDepth;
  boost::json::value parsed = boost::json::parse(json, ec, {}, options);
  if (ec || !parsed.is_object()) {
    return Status::Corruption("stored job item is not a JSON object: " + (ec ? ec.message() : "another type"));
  }
  auto& item = parsed.as_object();
  Job job;
  const boost::json::value* id = PayloadOf(item.if_contains(kIdAttribute), "S");
  if (id == nullptr || !id->is_string()) return Malformed("id is not a string attribute");
  job.id = id->get_string();
  const boost::json::value* version = PayloadOf(item.if_contains(kVersionAttribute), "N");
  if (version == nullptr || !version->is_string()) return Malformed("version is not a number attribute");
  auto [end, parse_error] = std::from_chars(version->get_string().data(),
                                            version->get_string().data() + version->get_string().size(), job.version);
  if (parse_error != std::errc() || end != version->get_string().data() + version->get_string().size()) {
    return Malformed("version is not an integer");
  }
  // An item written through the DynamoDB API is kept exactly as its client wrote it, so it may
  // lack what POST /jobs always writes: no job_status is no consumer entry yet (the consumers add
  // theirs), and missing timestamps read as the epoch (jobstream's next write adds them).
  const boost::json::value* status_attribute = item.if_contains(kJobStatusAttribute);
  const boost::json::value* states = PayloadOf(status_attribute, "M");
  if (status_attribute != nullptr && (states == nullptr || !states->is_object())) {
    return Malformed("job_status is not a map attribute");
  }
  static const boost::json::object kNoStates;
  for (const auto& [name, entry] : states != nullptr ? states->get_object() : kNoStates) {
    auto state = ReadConsumerState(name, entry);
    if (!state.ok()) return state.error();
    job.consumers.emplace(std::string(name), std::move(state).value());
  }
  for (auto [name, out] :
       {std::pair{kCreatedAtAttribute, &job.created_at}, std::pair{kUpdatedAtAttribute, &job.updated_at}}) {
    if (!item.contains(name)) continue;
    auto time = ReadTimestampAttribute(item, name);
    if (!time.ok()) return time.error();
    *out = *time;
  }
  for (auto& [name, attribute] : item) {
    if (!IsReservedAttribute(name)) job.attributes.emplace(name, std::move(attribute));
  }
  return job;
}

}  // namespace jobstream::store
