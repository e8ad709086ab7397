// The jobs table keeps each job's overall status (Job::AggregateStatus) in its own column, indexed
// with the id, so that GET /jobs?status=… reads an index instead of every item. Data directories
// from before the column have it added and filled once, at the first start of this version.
#pragma once

#include "common/result.h"
#include "store/sqlite_connection.h"

namespace jobstream::store {

// Brings the jobs table to having its status column, filled, and the index jobs_by_status
// (status, id). Idempotent: a store that has both is left as it is. Adding and filling the
// column happen in one transaction on `connection`, before any other write; an item whose
// job_status cannot be read as a job's gets NULL (listed only without a status filter).
Status MigrateStatusColumn(Connection& connection);

}  // namespace jobstream::store
