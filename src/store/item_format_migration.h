// Data directories from before items took the reference's DynamoDB shape kept each job as GET's
// plain JSON ({"id", "parameters", "status", "consumers", "version", "createdAt", "updatedAt"}).
// The first start of this version rewrites them in place, once, in one transaction.
#pragma once

#include <string_view>

#include "common/result.h"
#include "store/job.h"
#include "store/sqlite_connection.h"

namespace jobstream::store {

// A job from its pre-DynamoDB item text; kCorruption if the text is not such an item.
Result<Job> FromLegacyItemJson(std::string_view json);

// Brings the jobs table to the current item format (meta key `item_format`): a new store is marked
// current; an older one has every item rewritten (versions and stream records are kept as they
// are). Runs in its own transaction on `connection` before any other write; a legacy item that
// cannot be read fails the start with its job id, so nothing is dropped silently.
Status MigrateItemFormat(Connection& connection);

}  // namespace jobstream::store
