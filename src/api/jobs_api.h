// The jobs API: authenticates every request (SigV4), routes it, and answers as API Gateway
// in front of the reference deployment does.
//
//   POST /jobs        → 202 {"id"} + Location, only after the job and its INSERT record are durable
//   POST /jobs/batch  → 202 {"ids": [...]}: up to 1,000 jobs stored atomically (like BullMQ addBulk)
//   GET  /jobs/{id}   → 200 job | 404 {"message": "Job not found"}
//   POST /jobs/{id}/rerun, POST /jobs/rerun → 202: failed consumers of a job, or of a page of jobs
//                     by status and creation time, back to Pending to run again (api/job_reruns.h)
//   GET  /jobs?status=&limit=&cursor=  → 200 {"jobs": [job, ...], "nextCursor"}: newest first, one
//                       status or all, paged by an opaque cursor (api/job_listing.h)
//   /consumers…       → ConsumersApi (list, pause, resume)
//   GET  /openapi.json → 200 this API's OpenAPI 3.1 description (docs/openapi.json, compiled in)
// With AnswerAsReference, POST /jobs and GET /jobs/{id} answer as the reference deployment's
// templates render (api/reference_answers.h).
#pragma once

#include <functional>
#include <map>

#include "api/consumers_api.h"
#include "api/job_reruns.h"
#include "api/reference_answers.h"
#include "api/request_model.h"
#include "auth/authorizer.h"
#include "auth/sigv4_verifier.h"
#include "common/rate_limited_log.h"
#include "dynamodb/json_protocol.h"
#include "http/request_handler.h"
#include "iam_api/iam_api.h"
#include "store/job_store.h"
#include "sts/sts_api.h"

namespace jobstream::api {

// Which consumers a new job waits for (ConsumerSet::InitialStates).
using InitialConsumerStates = std::function<std::map<std::string, store::ConsumerState>(const store::Job&)>;

// Authorization and the other services on the port. Without it (tests of the jobs API alone)
// every verified principal may call every route and only execute-api is served.
struct IdentityServices {
  const auth::Authorizer& authorizer;
  const sts::StsApi& sts;
  std::string region;
  // The JSON 1.0 protocol (DynamoDB Streams) for requests scoped to `dynamodb`; null: not served.
  const dynamodb::JsonProtocol* dynamodb = nullptr;
  const iam_api::IamApi* iam = nullptr;  // null: requests scoped to iam are refused
  // The JSON 1.1 protocol (EventBridge) for requests scoped to `events`; null: not served.
  const dynamodb::JsonProtocol* events = nullptr;
};

class JobsApi final : public http::RequestHandler {
 public:
  JobsApi(const auth::SigV4Verifier& verifier, store::JobStore& store, InitialConsumerStates initial_states,
          consumers::ConsumerControl* consumers = nullptr, const IdentityServices* identity = nullptr);

  void Handle(http::Request& request, http::Respond respond) override;

  // Re-runs need the stream's new images (store/consumer_rerun.h): with KEYS_ONLY records the
  // server refuses them with this reason. Call before serving.
  void RefuseReruns(std::string reason) { reruns_.Refuse(std::move(reason)); }
  // POST /jobs and GET /jobs/{id} answer as `style` says (api/reference_answers.h). Call before
  // serving.
  void SetResponseStyle(ResponseStyle style) { response_style_ = style; }

  // The request model POST /jobs and each entry of POST /jobs/batch must conform to (by default
  // the reference deployment's: api/request_model.h). Call before serving.
  void UseRequestModel(JsonSchema model) { request_model_ = std::move(model); }

 private:
  void CreateJob(http::Request& request, http::Respond respond);
  void CreateJobs(http::Request& request, http::Respond respond);
  store::Job NewJob(const boost::json::object& parameters) const;
  void GetJob(std::string_view id, const http::Respond& respond);
  void ListJobs(const http::Request& request, const http::Respond& respond);
  void HandleDynamoDb(const auth::Principal& principal, const http::Request& request,
                      std::chrono::system_clock::time_point now, http::Respond respond) const;

  // Constant after construction; all members are thread-safe.
  const auth::SigV4Verifier& verifier_;
  store::JobStore& store_;
  InitialConsumerStates initial_states_;
  ConsumersApi consumers_api_;
  JobReruns reruns_;
  JsonSchema request_model_ = ReferenceRequestModel();
  const IdentityServices* identity_;
  ResponseStyle response_style_ = ResponseStyle::kJobstream;  // set before serving, read-only after
  // Store failures repeat for every request while they last (a full disk): one line per interval.
  mutable RateLimitedLog store_errors_{spdlog::level::err};
};

}  // namespace jobstream::api
