// "record-failure": the default error handler, the built-in form of the reference deployment's
// error-handling Lambda. Invoked by a topic with SNS's event (or by a bus's rule with the
// invocation record of an error handler that failed, which carries that event), whose message is a consumer's
// on-failure record (destinations/on_failure_record.h), it reads the failed records back from
// the stream by shard and sequence number and writes, for the consumer whose topic sent it, onto
// each failed job:
//
//   job_status.<consumer> = {"status": "Failure", <the job's parameters>, "error": {...}}
//
// with the version condition (a conflicting write is read again and retried), as the reference's
// handler does through UpdateItem. A job that already holds a terminal outcome for the consumer
// is left alone, so a redelivered event changes nothing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <string>
#include <vector>

#include "functions/function.h"
#include "store/job_store.h"

namespace jobstream::functions {

class RecordFailureFunction final : public Function {
 public:
  static constexpr std::string_view kName = "record-failure";

  // `consumers_by_topic`: each topic's name and the consumers whose on_failure it is.
  RecordFailureFunction(store::JobStore& store, std::map<std::string, std::vector<std::string>> consumers_by_topic,
                        boost::asio::any_io_executor executor);
  void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) override;

 private:
  struct Write;
  void Next(const std::shared_ptr<Write>& write);

  store::JobStore& store_;
  const std::map<std::string, std::vector<std::string>> consumers_by_topic_;
  boost::asio::any_io_executor executor_;
};

}  // namespace jobstream::functions
