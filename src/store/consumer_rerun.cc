#include "store/consumer_rerun.h"

#include <boost/json/parse.hpp>
#include <memory>

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
  std::size_t next = 0;
  std::vector<std::string> rerun;
  std::function<void(Result<std::vector<std::string>>)> done;
};

void Next(const std::shared_ptr<Rerun>& rerun) {
  if (rerun->next == rerun->consumers.size()) return rerun->done(std::move(rerun->rerun));
  const std::string consumer = rerun->consumers[rerun->next];
  auto decide = [consumer, failed_only = rerun->failed_only](const Job& job) -> std::optional<ConsumerState> {
    auto entry = job.consumers.find(consumer);
    if (entry != job.consumers.end()) {
      if (!entry->second.IsTerminal()) return std::nullopt;  // running already
      if (failed_only && entry->second.status != "Failure") return std::nullopt;
    }
    // The version this write gives the job (UpdateConsumerState bumps it by one).
    json::object marker{{std::string(kRerunMember), json::object{{"N", std::to_string(job.version + 1)}}}};
    return ConsumerState{"Pending", nullptr, nullptr, std::move(marker)};
  };
  WriteConsumerState(rerun->store, rerun->job_id, consumer, std::move(decide),
                     [rerun, consumer](Result<std::optional<Job>> written) {
                       if (!written.ok()) return rerun->done(written.error());
                       if (written->has_value()) rerun->rerun.push_back(consumer);
                       rerun->next += 1;
                       Next(rerun);
                     });
}

}  // namespace

bool IsRerunRecordFor(std::string_view record_json, std::string_view consumer) {
  if (record_json.find("\"rerun\"") == std::string_view::npos) return false;
  boost::system::error_code ec;
  json::value record = json::parse(record_json, ec);
  if (ec || !record.is_object()) return false;
  const json::value* event_name = record.get_object().if_contains("eventName");
  if (event_name == nullptr || !event_name->is_string() || event_name->get_string() != "MODIFY") return false;
  const json::object* dynamodb = ObjectIn(record.get_object(), "dynamodb");
  const json::object* image = dynamodb != nullptr ? ObjectIn(*dynamodb, "NewImage") : nullptr;
  if (image == nullptr) return false;
  const json::object* statuses = ObjectIn(*image, kJobStatusAttribute);
  const json::object* entries = statuses != nullptr ? ObjectIn(*statuses, "M") : nullptr;
  const json::object* entry = entries != nullptr ? ObjectIn(*entries, consumer) : nullptr;
  const json::object* members = entry != nullptr ? ObjectIn(*entry, "M") : nullptr;
  if (members == nullptr) return false;
  std::string_view version = TypedText(ObjectIn(*image, kVersionAttribute), "N");
  return TypedText(ObjectIn(*members, "status"), "S") == "Pending" && !version.empty() &&
         TypedText(ObjectIn(*members, kRerunMember), "N") == version;
}

void RerunConsumers(JobStore& store, std::string job_id, std::vector<std::string> consumers,
                    std::function<void(Result<std::vector<std::string>>)> done) {
  auto rerun =
      std::make_shared<Rerun>(Rerun{store, std::move(job_id), std::move(consumers), false, 0, {}, std::move(done)});
  if (rerun->consumers.empty()) {
    // The job's failed consumers, read now; each write reads the job again and checks.
    auto job = store.GetJob(rerun->job_id);
    if (!job.ok()) return rerun->done(job.error());
    rerun->failed_only = true;
    for (const auto& [name, state] : job->consumers) {
      if (state.status == "Failure") rerun->consumers.push_back(name);
    }
  }
  Next(rerun);
}

}  // namespace jobstream::store
