#include "functions/record_failure_function.h"

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <optional>

#include "dynamodb/shard_id.h"
#include "store/consumer_rerun.h"
#include "store/consumer_state_writer.h"
#include "stream/stream_record.h"

namespace jobstream::functions {
namespace {

// The most records one on-failure record may name (Lambda's largest stream batch).
constexpr std::int64_t kMaxBatch = 10000;

std::string_view StringAt(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

const boost::json::object* ObjectAt(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

}  // namespace

// The writes one invocation makes: one per failed job and consumer, in order.
struct RecordFailureFunction::Write {
  struct Target {
    std::string job_id;
    std::string consumer;
    std::optional<std::int64_t> rerun;  // the failed record was this re-run (else the job's INSERT)
  };
  std::vector<Target> targets;
  std::size_t next = 0;
  boost::json::value error;
  InvocationDone done;
};

RecordFailureFunction::RecordFailureFunction(store::JobStore& store,
                                             std::map<std::string, std::vector<std::string>> consumers_by_topic,
                                             boost::asio::any_io_executor executor)
    : store_(store), consumers_by_topic_(std::move(consumers_by_topic)), executor_(std::move(executor)) {}

void RecordFailureFunction::Invoke(StreamEvent event, const InvocationContext&, InvocationDone done) {
  auto fail = [&done](std::string type, std::string message) {
    done({RecordResult::Failure(std::move(type), std::move(message))});
  };
  if (event.size() != 1) return fail("InvalidEvent", "record-failure handles one SNS notification per event");
  boost::json::value record = event.ParseRecord(0);
  // The notification as SNS invokes Lambda ({"Records": [...]}), or inside an invocation record
  // that a bus delivers (a replayed failure of an error handler: detail.requestPayload).
  for (int unwrap = 0; unwrap < 4 && record.is_object(); ++unwrap) {
    const boost::json::object& object = record.get_object();
    if (const boost::json::object* detail = ObjectAt(object, "detail"); detail != nullptr) {
      const boost::json::value* request = detail->if_contains("requestPayload");
      if (request == nullptr) break;
      boost::json::value next = *request;
      record = std::move(next);
    } else if (const boost::json::value* records = object.if_contains("Records");
               records != nullptr && records->is_array() && records->get_array().size() == 1) {
      boost::json::value next = records->get_array()[0];
      record = std::move(next);
    } else {
      break;
    }
  }
  const boost::json::object* sns = record.is_object() ? ObjectAt(record.get_object(), "Sns") : nullptr;
  if (sns == nullptr) return fail("InvalidEvent", "the event is not an SNS notification (no Records[0].Sns)");
  std::string_view topic_arn = StringAt(*sns, "TopicArn");
  std::string topic(topic_arn.substr(topic_arn.rfind(':') + 1));
  auto consumers = consumers_by_topic_.find(topic);
  if (consumers == consumers_by_topic_.end() || consumers->second.empty()) {
    return fail("UnknownTopic", fmt::format("no consumer sends its failures to topic '{}'", topic));
  }
  boost::system::error_code ec;
  boost::json::value message = boost::json::parse(StringAt(*sns, "Message"), ec);
  const boost::json::object* info =
      !ec && message.is_object() ? ObjectAt(message.get_object(), "DDBStreamBatchInfo") : nullptr;
  if (info == nullptr) {
    return fail("InvalidEvent", "the notification's Message is not an on-failure record (no DDBStreamBatchInfo)");
  }
  auto shard = dynamodb::ShardIndexOf(store_.account(), StringAt(*info, "shardId"), store_.shard_count());
  auto first = stream::ParseSequenceNumber(StringAt(*info, "startSequenceNumber"));
  auto last = stream::ParseSequenceNumber(StringAt(*info, "endSequenceNumber"));
  if (!shard || !first || !last || *last < *first || *first < 1) {
    return fail("InvalidEvent", "DDBStreamBatchInfo names no shard and sequence range of this stream");
  }
  // The records from the first sequence number on, at most as many as the range could hold.
  std::int64_t span = std::min(*last - *first + 1, kMaxBatch);
  auto records = store_.ReadStream(*shard, *first - 1, static_cast<std::size_t>(span));
  if (!records.ok()) return fail("StoreError", records.error().message());
  if (records->empty() || records->front().sequence != *first) {
    return fail("RecordNotFound",
                fmt::format("record {} is no longer in the stream (trimmed)", stream::FormatSequenceNumber(*first)));
  }

  auto write = std::make_shared<Write>();
  const boost::json::object& on_failure = message.get_object();
  const boost::json::object* payload = ObjectAt(on_failure, "responsePayload");
  if (payload != nullptr && !StringAt(*payload, "errorType").empty()) {
    write->error = boost::json::object{{"errorType", StringAt(*payload, "errorType")},
                                       {"errorMessage", StringAt(*payload, "errorMessage")}};
  } else {
    const boost::json::object* context = ObjectAt(on_failure, "requestContext");
    std::string_view condition = context != nullptr ? StringAt(*context, "condition") : std::string_view();
    write->error = boost::json::object{{"errorType", condition.empty() ? std::string_view("FunctionError") : condition},
                                       {"errorMessage", "the consumer's function failed for good"}};
  }
  for (const stream::StreamRecord& failed : *records) {
    // Outcomes are recorded for job submissions (INSERT records) and re-runs, as the consumers do.
    if (failed.sequence > *last) continue;
    for (const std::string& consumer : consumers->second) {
      if (failed.event_name == "INSERT") {
        write->targets.push_back({failed.job_id, consumer, std::nullopt});
      } else if (auto rerun = store::RerunVersionOf(failed.json, consumer)) {
        write->targets.push_back({failed.job_id, consumer, rerun});
      }
    }
  }
  write->done = std::move(done);
  Next(write);
}

void RecordFailureFunction::Next(const std::shared_ptr<Write>& write) {
  if (write->next == write->targets.size()) {
    write->done({RecordResult::Success(static_cast<std::uint64_t>(write->targets.size()))});
    return;
  }
  const Write::Target& target = write->targets[write->next];
  auto decide = [error = write->error, consumer = target.consumer, rerun = target.rerun](const store::Job& job) {
    auto current = job.consumers.find(consumer);
    if (current != job.consumers.end()) {
      if (current->second.IsTerminal()) return std::optional<store::ConsumerState>();  // recorded already
      // A failure of an earlier attempt than the one under way (the INSERT's while a re-run runs,
      // or an older re-run's) arrived late: the attempt under way will record its own outcome.
      std::optional<std::int64_t> underway = store::RerunMarkerOf(current->second);
      if (underway && underway != rerun) return std::optional<store::ConsumerState>();
    }
    // The job's parameters beside the status, as the reference's handler writes them, except
    // any named like the entry's own members.
    boost::json::object parameters;
    for (const auto& [name, attribute] : job.attributes) {
      if (!store::ConsumerState::IsOwnMember(name)) parameters.emplace(name, attribute);
    }
    return std::optional<store::ConsumerState>(store::ConsumerState{"Failure", nullptr, error, std::move(parameters)});
  };
  store::WriteConsumerState(
      store_, target.job_id, target.consumer, std::move(decide),
      [this, write](const Result<std::optional<store::Job>>& written) {
        // Deleted since: nothing to record.
        if (!written.ok() && written.error().code() != StatusCode::kNotFound) {
          write->done({RecordResult::Failure("StoreError", written.error().message())});
          return;
        }
        write->next += 1;
        Next(write);
      },
      executor_);
}

}  // namespace jobstream::functions
