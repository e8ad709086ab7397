// Re-running a consumer on a job once the cause of its failure is fixed: the consumer's entry goes
// back to Pending, written like any change (version + 1, a MODIFY record on the stream), and
// carries the version of that very write:
//
//   job_status.<consumer> = {"status": "Pending", "rerun": <the version written>}
//
// so that exactly that MODIFY record, and no later one (another consumer's Running or Success
// bumps the version), is the consumer's cue to run the job again, whatever its event filters
// (IsRerunRecordFor). The marker needs the record's new image: a stream of KEYS_ONLY records
// cannot carry re-runs.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/job_store.h"

namespace jobstream::store {

inline constexpr std::string_view kRerunMember = "rerun";

// True when `record_json` (a stream record as stored) is the re-run of `consumer`: a MODIFY whose
// new image holds the consumer's entry Pending with "rerun" equal to the image's version. Cheap
// for every other record: it is parsed only when it mentions "rerun" at all.
bool IsRerunRecordFor(std::string_view record_json, std::string_view consumer);
// The version of that re-run (the marker's), or nullopt when the record is not one.
std::optional<std::int64_t> RerunVersionOf(std::string_view record_json, std::string_view consumer);

// The entry's `other` members that mark it as re-run at `version`; and the version an entry is
// marked with, if any. The consumer keeps the marker on its Running write, so that a failure of
// an earlier attempt arriving late (a redelivered on-failure record) can tell it is stale.
boost::json::object RerunMarker(std::int64_t version);
std::optional<std::int64_t> RerunMarkerOf(const ConsumerState& entry);

// Re-runs `consumers` on the job (each once; empty: every consumer whose entry is Failure and
// that `configured` names, when it names any); an entry that is Pending or Running is left alone
// (it is running already). `done` gets the consumers re-run, kNotFound when the job does not
// exist, or the store's error. Each re-run is its own write and its own MODIFY record.
void RerunConsumers(JobStore& store, std::string job_id, std::vector<std::string> consumers,
                    const std::vector<std::string>& configured,
                    std::function<void(Result<std::vector<std::string>>)> done);

}  // namespace jobstream::store
