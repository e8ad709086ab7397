// One consumer's entry on a job, written the way every writer outside the consumers' hot path
// needs it (record-failure, re-runs): read the job, decide the new entry from it, write it under
// the version condition, and when another writer got there first, read again and decide again.
// (The event source mapping keeps its own loop: it writes from a job it already holds.)
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "store/job_store.h"

namespace jobstream::store {

// The new entry for the job as read; nullopt leaves the job alone (nothing to write).
using ConsumerStateDecision = std::function<std::optional<ConsumerState>(const Job& job)>;
// The job as written; nullopt when the decision left it alone; kNotFound when the job is gone;
// kConditionFailed after kMaxConsumerStateConflicts conflicting writes in a row; or the store's
// error.
using ConsumerStateWritten = std::function<void(Result<std::optional<Job>>)>;

inline constexpr int kMaxConsumerStateConflicts = 100;

// `executor` runs `done` and each retry (a read and a write); without one they run on the
// store's commit thread, which suits rare writes only.
void WriteConsumerState(JobStore& store, std::string job_id, std::string consumer, ConsumerStateDecision decide,
                        ConsumerStateWritten done, boost::asio::any_io_executor executor = {});

}  // namespace jobstream::store
