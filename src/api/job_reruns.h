// Re-running failed consumers once the cause is fixed (store/consumer_rerun.h), one job or many:
//
//   POST /jobs/{id}/rerun  {"consumers": [...]}?        → 202 {"id", "rerun": [consumers]}
//   POST /jobs/rerun       {"status": "Failure", "createdAfter", "createdBefore", "consumers",
//                           "limit", "cursor"}          → 202 {"examined", "rerun": [{"id",
//                                                          "consumers"}], "nextCursor"}
//
// Without "consumers", a job's consumers whose entry is Failure are re-run; with it, those named
// (whatever their state but Pending or Running). The bulk form works one page of the status
// listing at a time (newest first, at most `limit` jobs, createdAfter/createdBefore bounding the
// jobs' creation time as GET /jobs/{id} shows it) and answers once every re-run of the page is
// durable; its cursor resumes with the next older job.
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
  // 400 naming the first name no configured consumer has.
  std::optional<http::Response> UnknownConsumer(const std::vector<std::string>& names) const;

  store::JobStore& store_;
  consumers::ConsumerControl* consumers_;  // null: consumer names are not checked
  std::string refused_;                    // set before serving
  RateLimitedLog store_errors_{spdlog::level::err};
};

}  // namespace jobstream::api
