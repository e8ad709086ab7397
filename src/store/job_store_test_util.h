// Helpers for tests that drive a JobStore through its interface alone (job_store_contract_test.cc
// and the backends' own tests): blocking forms of the asynchronous writes, and a typical job.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "store/job_store.h"
#include "stream/dynamo_json.h"

namespace jobstream::store::test {

// A new job with two consumers, as POST /jobs creates it.
inline Job NewJob(int seconds = 1) {
  Job job;
  job.id = NewUuid();
  job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", seconds}});
  job.consumers["consumer_1"] = ConsumerState{};
  job.consumers["consumer_2"] = ConsumerState{};
  job.created_at = job.updated_at = std::chrono::system_clock::now();
  return job;
}

inline Status Insert(JobStore& store, Job job) {
  std::promise<Status> done;
  store.InsertJob(std::move(job), [&done](Status s) { done.set_value(s); });
  return done.get_future().get();
}

// Writes one consumer's state on the job as currently stored, or on `as_read` when given.
inline Result<Job> Update(JobStore& store, const std::string& id, const std::string& consumer, ConsumerState state,
                          const Job* as_read = nullptr) {
  Job current;
  if (as_read != nullptr) {
    current = *as_read;
  } else {
    auto stored = store.GetJob(id);
    if (!stored.ok()) return stored.error();
    current = *stored;
  }
  std::promise<Result<Job>> done;
  store.UpdateConsumerState(current, consumer, std::move(state), [&done](Result<Job> r) { done.set_value(r); });
  return done.get_future().get();
}

inline Status SaveCheckpoint(JobStore& store, const std::string& consumer, int shard, std::int64_t sequence) {
  std::promise<Status> done;
  store.SaveCheckpoint(consumer, shard, sequence, [&done](Status s) { done.set_value(s); });
  return done.get_future().get();
}

// Every record of every shard, shard by shard.
inline std::vector<stream::StreamRecord> AllRecords(JobStore& store) {
  std::vector<stream::StreamRecord> all;
  for (int shard = 0; shard < store.shard_count(); ++shard) {
    auto records = store.ReadStream(shard, 0, 100000);
    EXPECT_TRUE(records.ok());
    all.insert(all.end(), records->begin(), records->end());
  }
  return all;
}

}  // namespace jobstream::store::test
