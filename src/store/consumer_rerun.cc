#include "store/consumer_rerun.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>
#include <memory>
#include <optional>

#include "common/step_loop.h"
#include "store/consumer_state_writer.h"

namespace jobstream::store {
namespace {

namespace json = boost::json;

const json::object* ObjectIn(const json::object& parent, std::string_view name) {
  const json::value* member = parent.if_contains(name);
  return member != nullptr && member->is_object() ? &member->get_object() : nullptr;
}

// The text of a typed attribute {"<type>": "<text>"} (S or N), or "" when it is not one.
std::string_view TypedText(const json::object* attribute, std::string_view type) {
  if (attribute == nullptr) return {};
  const json::value* text = attribute->if_contains(type);
  return text != nullptr && text->is_string() ? std::string_view(text->get_string()) : std::string_view();
}

struct Rerun {
  JobStore& store;
  std::string job_id;
  std::vector<std::string> consumers;  // to consider, in order
  bool failed_only = false;            // none named: the Failure ones
  std::vector<std::string> rerun;
  std::optional<Status> error;
  std::function<void(Result<std::vector<std::string>>)> done;
};

// Puts `consumer`'s entry back to Pending with the marker, unless it is running or (failed_only)
// not a Failure.
void RerunOne(const std::shared_ptr<Rerun>& rerun, const std::string& consumer, std::function<void(bool)> go_on) {
  auto decide = [consumer, failed_only = rerun->failed_only](const Job& job) -> std::optional<ConsumerState> {
    auto entry = job.consumers.find(consumer);
    if (entry != job.consumers.end()) {
      if (!entry->second.IsTerminal()) return std::nullopt;  // running already
      if (failed_only && entry->second.status != "Failure") return std::nullopt;
    }
    // The version this write gives the job (UpdateConsumerState bumps it by one).
    return ConsumerState{"Pending", nullptr, nullptr, RerunMarker(job.version + 1)};
  };
  WriteConsumerState(rerun->store, rerun->job_id, consumer, std::move(decide),
                     [rerun, consumer, go_on = std::move(go_on)](const Result<std::optional<Job>>& written) {
                       if (!written.ok()) {
                         rerun->error = written.error();
                         return go_on(false);
                       }
                       if (written->has_value()) rerun->rerun.push_back(consumer);
                       go_on(true);
                     });
}

}  // namespace

std::optional<std::int64_t> RerunVersionOf(std::string_view record_json, std::string_view consumer) {
  if (record_json.find("\"rerun\"") == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  json::value record = json::parse(record_json, ec);
  if (ec || !record.is_object()) return std::nullopt;
  const json::value* event_name = record.get_object().if_contains("eventName");
  if (event_name == nullptr || !event_name->is_string() || event_name->get_string() != "MODIFY") return std::nullopt;
  const json::object* dynamodb = ObjectIn(record.get_object(), "dynamodb");
  const json::object* image = dynamodb != nullptr ? ObjectIn(*dynamodb, "NewImage") : nullptr;
  if (image == nullptr) return std::nullopt;
  const json::object* statuses = ObjectIn(*image, kJobStatusAttribute);
  const json::object* entries = statuses != nullptr ? ObjectIn(*statuses, "M") : nullptr;
  const json::object* entry = entries != nullptr ? ObjectIn(*entries, consumer) : nullptr;
  const json::object* members = entry != nullptr ? ObjectIn(*entry, "M") : nullptr;
  if (members == nullptr) return std::nullopt;
  std::string_view version = TypedText(ObjectIn(*image, kVersionAttribute), "N");
  if (TypedText(ObjectIn(*members, "status"), "S") != "Pending" || version.empty() ||
      TypedText(ObjectIn(*members, kRerunMember), "N") != version) {
    return std::nullopt;
  }
  std::int64_t parsed = 0;
  auto [end, error] = std::from_chars(version.data(), version.data() + version.size(), parsed);
  if (error != std::errc() || end != version.data() + version.size()) return std::nullopt;
  return parsed;
}

bool IsRerunRecordFor(std::string_view record_json, std::string_view consumer) {
  return RerunVersionOf(record_json, consumer).has_value();
}

json::object RerunMarker(std::int64_t version) {
  return json::object{{std::string(kRerunMember), json::object{{"N", std::to_string(version)}}}};
}

std::optional<std::int64_t> RerunMarkerOf(const ConsumerState& entry) {
  std::string_view text = TypedText(ObjectIn(entry.other, kRerunMember), "N");
  std::int64_t version = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return version;
}

void RerunConsumers(JobStore& store, std::string job_id, std::vector<std::string> consumers,
                    const std::vector<std::string>& configured,
                    std::function<void(Result<std::vector<std::string>>)> done) {
  auto rerun = std::make_shared<Rerun>(Rerun{store, std::move(job_id), {}, false, {}, std::nullopt, std::move(done)});
  for (std::string& name : consumers) {  // each once, in the order named
    if (std::find(rerun->consumers.begin(), rerun->consumers.end(), name) == rerun->consumers.end()) {
      rerun->consumers.push_back(std::move(name));
    }
  }
  if (rerun->consumers.empty()) {
    // The job's failed consumers, read now (each write reads the job again and checks), among
    // those still configured: an entry no consumer reads any more would stay Pending for ever.
    auto job = store.GetJob(rerun->job_id);
    if (!job.ok()) return rerun->done(job.error());
    rerun->failed_only = true;
    for (const auto& [name, state] : job->consumers) {
      bool known = configured.empty() || std::find(configured.begin(), configured.end(), name) != configured.end();
      if (state.status == "Failure" && known) rerun->consumers.push_back(name);
    }
  }
  RunSteps(
      rerun->consumers.size(),
      [rerun](std::size_t index, std::function<void(bool)> go_on) {
        RerunOne(rerun, rerun->consumers[index], std::move(go_on));
      },
      [rerun] {
        if (rerun->error) return rerun->done(*rerun->error);
        rerun->done(std::move(rerun->rerun));
      });
}

}  // namespace jobstream::store
