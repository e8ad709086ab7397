// Re-running failed consumers once the cause is fixed (store/consumer_rerun.h), one job or many:
//
//   POST /jobs/{id}/rerun  {"consumers": [...]}?        → 202 {"id", "rerun": [consumers]}
//   POST /jobs/rerun       {"status": "Failure", "createdAfter", "createdBefore", "consumers",
//                           "limit", "cursor"}          → 202 {"examined", "rerun": [{"id",
//                                                          "consumers"}], "nextCursor"}
//
// Without "consumers", a job's consumers whose entry is Failure are re-run; with it, those named
// (whatever their state but Pending or Running). The bulk form works one page of the status
// listing at a time (newest first, `limit` jobs examined, those created in [createdAfter,
// createdBefore) as GET /jobs/{id} shows createdAt re-run) and answers once every re-run of the
// page is durable; its cursor resumes with the next older job. A narrow range still pages through
// every job of the status (ids need not be time-ordered: the DynamoDB API writes any id).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/rate_limited_log.h"
#include "consumers/consumer_control.h"
#include "http/request_handler.h"
#include "store/job_store.h"

namespace jobstream::api {

// Thread-safe; the store and consumers outlive it.
class JobReruns {
 public:
  JobReruns(store::JobStore& store, consumers::ConsumerControl* consumers) : store_(store), consumers_(consumers) {}

  // Re-runs need the stream's new images: with KEYS_ONLY records they are refused with `reason`.
  void Refuse(std::string reason) { refused_ = std::move(reason); }

  void RerunJob(std::string_view id, std::string_view body, http::Respond respond);
  void RerunJobs(std::string_view body, http::Respond respond);

 private:
  // The configured consumers' names (empty without ConsumerControl: then none is checked).
  std::vector<std::string> ConfiguredConsumers() const;
  // 400 naming the first name no configured consumer has.
  std::optional<http::Response> UnknownConsumer(const std::vector<std::string>& names) const;

  store::JobStore& store_;
  consumers::ConsumerControl* consumers_;  // null: consumer names are not checked
  std::string refused_;                    // set before serving
  RateLimitedLog store_errors_{spdlog::level::err};
};

}  // namespace jobstream::api
