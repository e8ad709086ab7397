// One consumer of the jobs stream, as Lambda's event source mapping describes one.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace jobstream::consumers {

struct ConsumerConfig {
  std::string name;
  std::string function = "sleep";
  // Lambda filter patterns (JSON text), OR'ed; empty means every record.
  std::vector<std::string> filters = {R"({"eventName": ["INSERT"]})"};
  int batch_size = 1;
  std::chrono::milliseconds batching_window{0};
  // Concurrent batches per shard. A job's records never run concurrently or out of order, so
  // per-item order holds at any parallelism. A waiting function costs a timer, not a thread, so
  // the default is high (4 shards x 1,000: 4,000 jobs in flight per consumer); Lambda's
  // parallelization factor tops out at 10 because each of its batches holds an instance.
  int parallelism = 1000;
  // Lambda's MaximumRetryAttempts: how often a failed record is invoked again; -1 retries until
  // the record is older than max_record_age. While a record is retried, later records of its job
  // wait; other jobs keep flowing.
  int max_retries = 0;
  // The wait before retry n (1, 2, …): base × 2^(n−1), at most max, then a random point in its
  // upper half ("equal jitter"), so records that failed together do not retry in lockstep.
  std::chrono::milliseconds retry_backoff_base{1000};
  std::chrono::milliseconds retry_backoff_max{60000};
  // Lambda's BisectBatchOnFunctionError: a batch of several records whose invocation failed as a
  // whole is split in two and each half invoked on its own, down to single records, so one bad
  // record does not fail its neighbours. A split is not a retry.
  bool bisect_batch_on_error = false;
  // A record older than this (since its job's creation) is not invoked, nor retried: its job gets
  // Failure with RecordAgeExceeded.
  std::chrono::seconds max_record_age{6 * 3600};
  // The timeout of a function without a timeout_seconds of its own (built-ins, as before
  // [[functions]] existed); ConsumerSet puts the function's timeout here when it has one.
  std::chrono::seconds timeout{300};
  bool timeout_set = false;  // the configuration named timeout_seconds for this consumer
  // `Running` is written onto a job only when its function has run this long: short jobs then
  // cost one status write (the outcome) instead of two. 0 writes Running at every start.
  std::chrono::milliseconds running_grace{100};
  // Like an event source mapping's Enabled: a disabled consumer starts no new work (records wait
  // on the stream and jobs stay Pending for it) until enabled again, at runtime with
  // PUT /consumers/{name}. New jobs still wait for it.
  bool enabled = true;
  // true: jobstream writes Running (after running_grace), then Success with the function's return
  // value as results, or Failure with its error. false: the function writes the job itself, as
  // the reference deployment's handlers do through the DynamoDB API, and jobstream only retries;
  // a record that finally fails (retries exhausted, timeout, record age) still gets Failure with
  // the error from jobstream, because nothing else would record it, unless on_failure sends it
  // to an error handler.
  bool record_outcome = true;
  // Lambda's on-failure destination: "topic:<name>" publishes the on-failure record of a record
  // that failed for good (retries exhausted, too old, timed out) to that topic, whose subscribed
  // functions (an error handler) record the failure; jobstream then does not write Failure
  // itself, as on AWS. Empty: jobstream writes Failure with the error.
  std::string on_failure;
  // Lambda's FunctionResponseTypes; the one type there is, "ReportBatchItemFailures", lets the
  // function report which records of a batch failed (batch_item_failures.h).
  std::vector<std::string> function_response_types;
  bool ReportsBatchItemFailures() const;

  // Range checks with messages naming the consumer and the setting.
  Status Validate() const;
};

}  // namespace jobstream::consumers
