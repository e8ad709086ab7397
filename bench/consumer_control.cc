#include "consumer_control.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "scenario_support.h"

namespace jobstream::bench {

namespace {

struct Call {
  std::string method;
  std::string target;
  std::string body;
};

struct Answer {
  unsigned status = 0;  // 0: no response
  std::string body;     // or, without a response, why
};

// Sends each call once, in order, and keeps the answers.
class CallsWorkload : public Workload {
 public:
  CallsWorkload(std::string kind, std::vector<Call> calls)
      : kind_(std::move(kind)), calls_(std::move(calls)), answers_(calls_.size()) {}

  std::vector<std::string> KindNames() const override { return {kind_}; }

  Pull Next(RequestSpec& request, Clock::time_point) override {
    if (next_ == calls_.size()) return Pull::Done();
    const Call& call = calls_[next_];
    request = RequestSpec{call.method, call.target, call.body, 0, next_++};
    return Pull::Request();
  }

  void OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming&) override {
    answers_[request.tag] = Answer{response.result_int(), response.body()};
  }

  void OnNoResponse(const RequestSpec& request) override {
    answers_[request.tag] = Answer{0, "no response (connection failed or timed out)"};
  }

  const std::vector<Answer>& answers() const { return answers_; }

 private:
  const std::string kind_;
  const std::vector<Call> calls_;
  std::vector<Answer> answers_;
  std::uint64_t next_ = 0;
};

// Sends the calls one after another on one connection.
std::vector<Answer> Send(const Target& target, std::string kind, std::vector<Call> calls,
                         std::chrono::nanoseconds timeout) {
  CallsWorkload workload(std::move(kind), std::move(calls));
  WorkerThreads workers(1);
  Drive(workers, target, {DriverOptions{.connections = 1, .timeout = timeout}}, {&workload});
  return workload.answers();
}

Status Unexpected(const Call& call, const Answer& answer, std::string_view what) {
  return Status::Unavailable(
      fmt::format("{} {} answered {}: {} ({})", call.method, call.target, answer.status, answer.body, what));
}

// A consumer object of the API: {"name", "function", "enabled"}.
bool ParseConsumer(const boost::json::value& value, ConsumerState& consumer) {
  const auto* object = value.if_object();
  if (object == nullptr) return false;
  const auto* name = object->if_contains("name");
  const auto* function = object->if_contains("function");
  const auto* enabled = object->if_contains("enabled");
  if (name == nullptr || !name->is_string() || enabled == nullptr || !enabled->is_bool()) return false;
  consumer.name = name->as_string();
  if (function != nullptr && function->is_string()) consumer.function = function->as_string();
  consumer.enabled = enabled->as_bool();
  return true;
}

}  // namespace

Result<std::vector<ConsumerState>> ListConsumers(const Target& target, std::chrono::nanoseconds timeout) {
  Call call{"GET", "/consumers", ""};
  Answer answer = Send(target, "GET /consumers", {call}, timeout).front();
  if (answer.status != 200) return Unexpected(call, answer, "a server that cannot pause its consumers?");
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(answer.body, ec);
  const auto* list = !ec && parsed.is_object() ? parsed.as_object().if_contains("consumers") : nullptr;
  if (list == nullptr || !list->is_array()) return Unexpected(call, answer, "expected {\"consumers\": [...]}");
  std::vector<ConsumerState> consumers;
  consumers.reserve(list->as_array().size());
  for (const auto& item : list->as_array()) {
    ConsumerState consumer;
    if (!ParseConsumer(item, consumer)) return Unexpected(call, answer, "expected consumers with a name and enabled");
    consumers.push_back(std::move(consumer));
  }
  return consumers;
}

Status SetConsumersEnabled(const Target& target, const std::vector<ConsumerState>& consumers, bool enabled,
                           std::chrono::nanoseconds timeout) {
  // Consumer names hold only letters, digits, '_' and '-' (the server's configuration rule), so
  // they go into the path as they are.
  std::vector<Call> calls;
  calls.reserve(consumers.size());
  for (const auto& consumer : consumers) {
    calls.push_back(
        Call{"PUT", "/consumers/" + consumer.name, fmt::format(R"({{"enabled": {}}})", enabled ? "true" : "false")});
  }
  std::vector<Answer> answers = Send(target, "PUT /consumers/{name}", calls, timeout);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (answers[i].status != 200) return Unexpected(calls[i], answers[i], "expected 200");
    boost::system::error_code ec;
    ConsumerState state;
    if (!ParseConsumer(boost::json::parse(answers[i].body, ec), state) || state.enabled != enabled) {
      return Unexpected(calls[i], answers[i], fmt::format("expected the consumer with enabled {}", enabled));
    }
  }
  return Status::Ok();
}

}  // namespace jobstream::bench
