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

#include <functional>
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

// Re-runs `consumers` on the job (empty: every consumer whose entry is Failure); an entry that is
// Pending or Running is left alone (it is running already). `done` gets the consumers re-run,
// kNotFound when the job does not exist, or the store's error. Each re-run is its own write and
// its own MODIFY record.
void RerunConsumers(JobStore& store, std::string job_id, std::vector<std::string> consumers,
                    std::function<void(Result<std::vector<std::string>>)> done);

}  // namespace jobstream::store
