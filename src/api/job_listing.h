// GET /jobs: the query it takes and the opaque cursor that pages through it.
//
//   GET /jobs?status=Failure&limit=50&cursor=…  → 200 {"jobs": [job, …], "nextCursor": "…"}
//
// Jobs come newest first (by id: ids are time-ordered UUIDs). nextCursor is absent on the last
// page. The cursor is base64url text that the server alone interprets: it names the last job
// shown and the status filter it was issued under, so a cursor is valid only with that filter,
// and ends with a checksum, so a damaged one is refused. It is not a secret and not signed with a
// key: it only says where to resume, in a listing the caller may read whole anyway.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace jobstream::api {

inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1000;

struct ListJobsQuery {
  std::string status;     // empty: every job
  std::string before_id;  // from the cursor; empty: the first page
  std::size_t limit = kDefaultListLimit;
};

// The query of GET /jobs from its raw (percent-encoded) query string. Only status (one of
// Job::AggregateStatus's values), limit (1 to kMaxListLimit) and cursor are known; SigV4's own
// X-Amz-* parameters (a presigned request's) are passed over. Anything else, a repeated
// parameter or a bad value is kInvalidArgument with a message naming the parameter.
Result<ListJobsQuery> ParseListJobsQuery(std::string_view raw_query);

// True for a job's overall status as GET /jobs/{id} shows it: Pending, Running, Success,
// Failure, Filtered.
bool IsJobStatus(std::string_view status);

// The cursor that resumes a listing under `status` after the job `last_id`.
std::string EncodeJobCursor(std::string_view status, std::string_view last_id);
// The id a cursor resumes after, if it is one EncodeJobCursor made for `status`; otherwise
// kInvalidArgument naming the parameter.
Result<std::string> DecodeJobCursor(std::string_view cursor, std::string_view status);

}  // namespace jobstream::api
