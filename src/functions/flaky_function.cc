#include "functions/flaky_function.h"

#include <fmt/format.h>

#include <boost/json/value.hpp>

namespace jobstream::functions {
namespace {

// The record's identity across attempts: its sequence number, else its whole text.
std::string RecordKey(const StreamEvent& event, std::size_t index) {
  boost::system::error_code ec;
  boost::json::value record = event.ParseRecord(index);
  const boost::json::value* sequence = record.find_pointer("/dynamodb/SequenceNumber", ec);
  if (sequence != nullptr && sequence->is_string()) return std::string(sequence->as_string());
  return event.record_text(index);
}

}  // namespace

FlakyFunction::FlakyFunction(const FunctionConfig& config)
    : failures_(config.failures),
      error_type_(config.error_type),
      error_message_(config.error_message.empty()
                         ? fmt::format("function '{}' is the built-in flaky: it fails the first {} attempt(s) of "
                                       "each record",
                                       config.name, config.failures)
                         : config.error_message) {}

void FlakyFunction::Invoke(StreamEvent event, const InvocationContext& /*context*/, InvocationDone done) {
  std::vector<RecordResult> results;
  results.reserve(event.size());
  for (std::size_t i = 0; i < event.size(); ++i) {
    std::string key = RecordKey(event, i);
    std::lock_guard lock(mutex_);
    int& failed = attempts_[key];
    if (failed < failures_) {
      ++failed;
      results.push_back(RecordResult::Failure(error_type_, error_message_));
    } else {
      results.push_back(RecordResult::Success(boost::json::value(fmt::format("succeeded at attempt {}", failed + 1))));
      attempts_.erase(key);
    }
    if (attempts_.size() > kMaxTracked) attempts_.erase(attempts_.begin());
  }
  done(std::move(results));
}

}  // namespace jobstream::functions
