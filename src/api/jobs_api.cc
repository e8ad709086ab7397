#include "api/jobs_api.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/error_response.h"
#include "api/job_listing.h"
#include "api/job_parameters.h"
#include "api/openapi_document.h"
#include "api/route_table.h"
#include "auth/sigv4_canonical.h"
#include "common/uuid.h"
#include "stream/dynamo_json.h"

namespace jobstream::api {
namespace {

namespace beast_http = boost::beast::http;

constexpr std::string_view kJobsPath = "/jobs";
constexpr std::string_view kRerunSuffix = "/rerun";  // POST /jobs/{id}/rerun
constexpr std::string_view kConsumersPath = "/consumers";
// The API's description (docs/openapi.json): signed, like every route but the two probes.
constexpr std::string_view kOpenApiPath = "/openapi.json";
constexpr std::string_view kHealthPath = "/healthz";  // alive: the process answers
constexpr std::string_view kReadyPath = "/readyz";    // ready: new jobs would be accepted

http::Response MethodNotAllowed(std::string_view allow) {
  http::Response response = MessageResponse(405, "Method Not Allowed");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// True when the request's credential scope names service (e.g. "sts"), so that its refusal is
// answered in that service's shape.
bool ScopedTo(const auth::SignedRequestView& view, std::string_view service) {
  const std::string scope = "/" + std::string(service) + "/aws4_request";
  for (const auto& [name, value] : view.headers) {
    if (boost::beast::iequals(name, "authorization")) return value.find(scope) != std::string_view::npos;
  }
  return view.target.find("%2F" + std::string(service) + "%2Faws4_request") != std::string_view::npos;
}

// API Gateway's error types as STS and IAM name them.
http::Response QueryAuthErrorResponse(const auth::AuthFailure& failure, std::string_view request_id, bool iam) {
  std::string_view code = "InvalidClientTokenId";
  if (failure.error_type == auth::kMissingAuthenticationToken) code = "MissingAuthenticationToken";
  if (failure.error_type == auth::kIncompleteSignature) code = "IncompleteSignature";
  if (failure.error_type == auth::kInvalidSignature) code = "SignatureDoesNotMatch";
  if (failure.error_type == auth::kExpiredToken) code = "ExpiredToken";
  if (iam) return iam_api::IamErrorResponse(403, code, failure.message, request_id);
  return sts::StsErrorResponse(403, code, failure.message, request_id);
}

}  // namespace

JobsApi::JobsApi(const auth::SigV4Verifier& verifier, store::JobStore& store, InitialConsumerStates initial_states,
                 consumers::ConsumerControl* consumers, const IdentityServices* identity)
    : verifier_(verifier),
      store_(store),
      initial_states_(std::move(initial_states)),
      consumers_api_(consumers),
      reruns_(store, consumers),
      identity_(identity) {}

void JobsApi::Handle(http::Request& request, http::Respond respond) {
  // The only routes before authentication (SECURITY.md): probes for a supervisor or load balancer
  // that holds no key. They answer with a status code and nothing about the server.
  if (request.method() == beast_http::verb::get && request.target() == kHealthPath) {
    return respond(MessageResponse(200, "ok"));
  }
  if (request.method() == beast_http::verb::get && request.target() == kReadyPath) {
    return respond(store_.Readiness().ok() ? MessageResponse(200, "ready") : MessageResponse(503, "not ready"));
  }

  auth::SignedRequestView view;
  view.method = request.method_string();
  view.target = request.target();
  view.body = request.body();
  view.headers.reserve(16);
  for (const auto& field : request) view.headers.emplace_back(field.name_string(), field.value());

  // Deny by default: nothing is routed, not even to a 404, before the signature checks out.
  if (!auth::SigV4Verifier::CarriesAuthentication(view)) {
    // EventBridge's SDKs read the error from the body, as its front end answers.
    if (identity_ != nullptr && identity_->events != nullptr && request["X-Amz-Target"].starts_with("AWSEvents.")) {
      return respond(dynamodb::JsonErrorResponse(
          dynamodb::CoralError("MissingAuthenticationTokenException", "Missing Authentication Token"),
          dynamodb::kJson11ContentType));
    }
    respond(AuthErrorResponse({"MissingAuthenticationTokenException", "Missing Authentication Token"}));
    return;
  }
  const auto now = std::chrono::system_clock::now();
  auto principal = verifier_.Verify(view, now);
  if (!principal.ok()) {
    if (identity_ != nullptr && ScopedTo(view, "sts")) {
      return respond(QueryAuthErrorResponse(principal.error(), request["x-amzn-RequestId"], false));
    }
    if (identity_ != nullptr && identity_->iam != nullptr && ScopedTo(view, "iam")) {
      return respond(QueryAuthErrorResponse(principal.error(), request["x-amzn-RequestId"], true));
    }
    if (identity_ != nullptr && identity_->dynamodb != nullptr && ScopedTo(view, "dynamodb")) {
      // DynamoDB's front end answers these 400 with the same codes API Gateway puts in a header.
      return respond(
          dynamodb::JsonErrorResponse(dynamodb::CoralError(principal.error().error_type, principal.error().message)));
    }
    if (identity_ != nullptr && identity_->events != nullptr && ScopedTo(view, "events")) {
      return respond(dynamodb::JsonErrorResponse(
          dynamodb::CoralError(principal.error().error_type, principal.error().message), dynamodb::kJson11ContentType));
    }
    respond(AuthErrorResponse(principal.error()));
    return;
  }
  if (principal->service == "sts" && identity_ != nullptr)
    return respond(identity_->sts.Handle(*principal, request, now));
  if (principal->service == "dynamodb" && identity_ != nullptr && identity_->dynamodb != nullptr)
    return HandleDynamoDb(*principal, request, now, std::move(respond));
  if (principal->service == "iam" && identity_ != nullptr && identity_->iam != nullptr)
    return respond(identity_->iam->Handle(*principal, request, now));
  // EventBridge's operations authorize on resources their input names (events_api.h).
  if (principal->service == "events" && identity_ != nullptr && identity_->events != nullptr)
    return identity_->events->Handle(*principal, request, now, std::move(respond));

  // Authorization, before any handler: the route's action on its resource (route_table.h).
  if (identity_ != nullptr) {
    auto needed = AuthorizationFor(request.method_string(), principal->signed_path, identity_->region,
                                   identity_->authorizer.account_id());
    if (needed && !identity_->authorizer.Allows(*principal, needed->action, needed->resource)) {
      return respond(AccessDeniedResponse(
          auth::NotAuthorizedMessage(identity_->authorizer.ArnOf(*principal), needed->action, needed->resource)));
    }
  }

  // Routed on exactly the path the signature covers. SigV4 for every service but S3 signs the
  // path with its '.', '..' and empty segments removed (RFC 3986 §5.2.4; the AWS suite's
  // get-slash*/get-relative* cases, which the AWS SDK signers follow), so "/jobs/./x",
  // "/consumers/../jobs/x" and "//jobs/x" all carry the signature of "/jobs/x": they are served
  // as "/jobs/x", never as whatever the raw bytes would have matched. Percent-encoding is not
  // undone: the canonical URI encodes the raw bytes once more, so "/jobs/%41" and "/jobs/A" are
  // signed as different paths and routed as different paths (an id or name with an escape in
  // it matches nothing). Refusing non-normal paths instead would turn away requests the AWS
  // signers produce.
  const std::string_view path = principal->signed_path;
  if (path == kJobsPath) {
    if (request.method() == beast_http::verb::get) return ListJobs(request, respond);
    if (request.method() != beast_http::verb::post) return respond(MethodNotAllowed("GET, POST"));
    return CreateJob(request, std::move(respond));
  }
  if (path.starts_with(kJobsPath) && path.size() > kJobsPath.size() && path[kJobsPath.size()] == '/') {
    std::string_view id = path.substr(kJobsPath.size() + 1);
    if (id.ends_with(kRerunSuffix) && id.find('/') == id.size() - kRerunSuffix.size()) {
      if (request.method() != beast_http::verb::post) return respond(MethodNotAllowed("POST"));
      return reruns_.RerunJob(id.substr(0, id.size() - kRerunSuffix.size()), request.body(), std::move(respond));
    }
    if (id.find('/') != std::string_view::npos) return respond(MessageResponse(404, "Not Found"));
    if (id == "batch" && request.method() == beast_http::verb::post) return CreateJobs(request, std::move(respond));
    if (id == "rerun" && request.method() == beast_http::verb::post) {
      return reruns_.RerunJobs(request.body(), std::move(respond));
    }
    if (request.method() != beast_http::verb::get) return respond(MethodNotAllowed("GET"));
    return GetJob(id, respond);
  }
  if (path.starts_with(kConsumersPath)) return respond(consumers_api_.Handle(request, path));
  if (path == kOpenApiPath) {
    if (request.method() != beast_http::verb::get) return respond(MethodNotAllowed("GET"));
    http::Response response;
    response.body = OpenApiDocument();
    return respond(std::move(response));
  }
  respond(MessageResponse(404, "Not Found"));
}

// Authorization as for every route (route_table.h), answered in DynamoDB's shape; the protocol
// layer then dispatches on X-Amz-Target. Targets no route knows fall through to it unauthorized
// and are answered UnknownOperationException, as DynamoDB does before looking at permissions.
// A write answers from the store's commit thread once durable; `respond` posts to the connection.
void JobsApi::HandleDynamoDb(const auth::Principal& principal, const http::Request& request,
                             std::chrono::system_clock::time_point now, http::Respond respond) const {
  auto needed = AuthorizationForTarget(request["X-Amz-Target"], store_.account());
  if (needed && !identity_->authorizer.Allows(principal, needed->action, needed->resource)) {
    return respond(dynamodb::JsonErrorResponse(dynamodb::AccessDeniedException(
        auth::NotAuthorizedMessage(identity_->authorizer.ArnOf(principal), needed->action, needed->resource) +
        " because no identity-based policy allows the " + needed->action + " action")));
  }
  identity_->dynamodb->Handle(principal, request, now, std::move(respond));
}

void JobsApi::CreateJob(http::Request& request, http::Respond respond) {
  auto parameters = ParseJobParameters(request.body(), request_model_);
  if (!parameters.ok()) return respond(ErrorResponse(parameters.error()));

  store::Job job = NewJob(*parameters);
  std::string id = job.id;
  store_.InsertJob(std::move(job),
                   [this, respond = std::move(respond), id = std::move(id)](const Status& status) mutable {
                     if (!status.ok()) {
                       store_errors_.Log(fmt::format("job {} was not stored: {}", id, status.message()));
                       return respond(ErrorResponse(status));
                     }
                     http::Response response;
                     if (response_style_ == ResponseStyle::kReference) {
                       response.body = ReferenceCreatedJson(id);
                       return respond(std::move(response));
                     }
                     response.status = 202;
                     // The id is a UUID we generated: nothing in it needs escaping.
                     response.body.reserve(id.size() + 10);
                     response.body.append(R"({"id":")").append(id).append(R"("})");
                     response.headers.emplace_back("Location", "/jobs/" + id);
                     respond(std::move(response));
                   });
}

store::Job JobsApi::NewJob(const boost::json::object& parameters) const {
  store::Job job;
  job.created_at = job.updated_at = std::chrono::system_clock::now();
  job.id = NewTimeOrderedUuid(job.created_at);
  job.attributes = stream::ToAttributeMap(parameters);
  job.consumers = initial_states_(job);
  return job;
}

void JobsApi::CreateJobs(http::Request& request, http::Respond respond) {
  auto batch = ParseJobBatch(request.body(), request_model_);
  if (!batch.ok()) return respond(ErrorResponse(batch.error()));
  std::vector<store::Job> jobs;
  jobs.reserve(batch->size());
  boost::json::array ids;
  for (const auto& parameters : *batch) {
    jobs.push_back(NewJob(parameters));
    ids.emplace_back(jobs.back().id);
  }
  store_.InsertJobs(
      std::move(jobs), [this, respond = std::move(respond), ids = std::move(ids)](const Status& status) mutable {
        if (!status.ok()) {
          store_errors_.Log(fmt::format("a batch of {} jobs was not stored: {}", ids.size(), status.message()));
          return respond(ErrorResponse(status));
        }
        http::Response response;
        response.status = 202;
        response.body = boost::json::serialize(boost::json::object{{"ids", std::move(ids)}});
        respond(std::move(response));
      });
}

void JobsApi::ListJobs(const http::Request& request, const http::Respond& respond) {
  // The query as sent: the signature covers it (SigV4's canonical query string).
  auto query = ParseListJobsQuery(auth::SplitTarget(request.target()).second);
  if (!query.ok()) return respond(ErrorResponse(query.error()));
  auto listing = store_.ListJobs(query->status, query->before_id, query->limit);
  if (!listing.ok()) {
    store_errors_.Log(fmt::format("cannot list jobs: {}", listing.error().message()));
    return respond(ErrorResponse(listing.error()));
  }
  http::Response response;
  response.body.reserve(listing->jobs.size() * 512 + 64);
  response.body.append(R"({"jobs":[)");
  bool first = true;
  for (const auto& [id, item] : listing->jobs) {
    auto job = store::Job::FromItemJson(item);
    if (!job.ok()) {
      // An item the DynamoDB API wrote in a shape that is not a job's: GET /jobs/{id} cannot show
      // it either. Left out (the cursor still moves past it) rather than failing every page.
      store_errors_.Log(fmt::format("job {} is left out of a listing: {}", id, job.error().message()));
      continue;
    }
    if (!first) response.body.push_back(',');
    first = false;
    response.body.append(job->ToViewJson());
  }
  response.body.push_back(']');
  if (listing->more && !listing->jobs.empty()) {
    response.body.append(R"(,"nextCursor":")");
    // base64url: nothing in it needs escaping.
    response.body.append(EncodeJobCursor(query->status, listing->jobs.back().id)).push_back('"');
  }
  response.body.push_back('}');
  respond(std::move(response));
}

void JobsApi::GetJob(std::string_view id, const http::Respond& respond) {
  const bool reference = response_style_ == ResponseStyle::kReference;
  // The reference's GetItem finds no item for any id it never issued and renders that as {}.
  // An empty id ("/jobs/") matches no route there: it stays jobstream's 404.
  auto missing = [&] {
    if (!reference || id.empty()) return respond(MessageResponse(404, "Job not found"));
    http::Response response;
    response.body = kReferenceMissingJobJson;
    respond(std::move(response));
  };
  if (!IsUuid(id)) return missing();
  auto job = store_.GetJob(id);
  if (!job.ok()) {
    if (job.error().code() == StatusCode::kNotFound) return missing();
    store_errors_.Log(fmt::format("cannot read job {}: {}", id, job.error().message()));
    return respond(ErrorResponse(job.error()));
  }
  http::Response response;
  response.body = reference ? ReferenceJobStatusJson(*job) : job->ToViewJson();
  respond(std::move(response));
}

}  // namespace jobstream::api
