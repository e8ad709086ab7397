#include "api/job_reruns.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>

#include "api/error_response.h"
#include "api/job_listing.h"
#include "common/clock.h"
#include "common/step_loop.h"
#include "common/uuid.h"
#include "store/consumer_rerun.h"
#include "store/job.h"

namespace jobstream::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxRerunConsumers = 100;
// Cursors of the bulk form are only good for it (and for its status).
constexpr std::string_view kCursorScope = "rerun/";

struct RerunRequest {
  std::vector<std::string> consumers;  // empty: the failed ones
  // The bulk form only.
  std::string status = "Failure";
  std::optional<SystemTime> created_after;
  std::optional<SystemTime> created_before;
  std::size_t limit = kDefaultListLimit;
  std::string cursor;
};

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

Result<SystemTime> TimeMember(const json::value& value, std::string_view name) {
  std::optional<SystemTime> time;
  if (value.is_string()) time = ParseIso8601(value.get_string());
  if (!time) return Invalid(fmt::format("{} must be a time as jobs show it, e.g. 2026-12-07T10:00:00.000Z", name));
  return *time;
}

// The body of either form; `bulk` allows the listing's members.
Result<RerunRequest> ParseRerunRequest(std::string_view body, bool bulk) {
  RerunRequest request;
  if (body.empty()) return request;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return Invalid("The body must be a JSON object");
  for (const auto& [member, value] : parsed.get_object()) {
    if (member == "consumers") {
      if (!value.is_array() || value.get_array().size() > kMaxRerunConsumers) {
        return Invalid("consumers must be an array of at most 100 consumer names");
      }
      for (const json::value& name : value.get_array()) {
        if (!name.is_string()) return Invalid("consumers must hold consumer names (strings)");
        request.consumers.emplace_back(name.get_string());
      }
    } else if (bulk && member == "status") {
      if (!value.is_string() || !IsJobStatus(value.get_string())) {
        return Invalid("status must be one of Pending, Running, Success, Failure, Filtered");
      }
      request.status = value.get_string();
    } else if (bulk && (member == "createdAfter" || member == "createdBefore")) {
      auto time = TimeMember(value, member);
      if (!time.ok()) return time.error();
      (member == "createdAfter" ? request.created_after : request.created_before) = *time;
    } else if (bulk && member == "limit") {
      if (!value.is_int64() || value.get_int64() < 1 || value.get_int64() > static_cast<std::int64_t>(kMaxListLimit)) {
        return Invalid("limit must be an integer from 1 to 1000");
      }
      request.limit = static_cast<std::size_t>(value.get_int64());
    } else if (bulk && member == "cursor") {
      if (!value.is_string()) return Invalid("cursor must be the nextCursor of an earlier answer");
      request.cursor = value.get_string();
    } else {
      return Invalid(fmt::format("Unknown member '{}': {}", std::string_view(member),
                                 bulk ? "allowed are status, createdAfter, createdBefore, consumers, limit, cursor"
                                      : "only consumers is allowed"));
    }
  }
  if (request.created_after && request.created_before && *request.created_after >= *request.created_before) {
    return Invalid("createdAfter must be before createdBefore");
  }
  return request;
}

http::Response Accepted(const json::object& body) {
  http::Response response;
  response.status = 202;
  response.body = json::serialize(body);
  return response;
}

// The bulk form's progress: the page's jobs in the range, re-run one after the other.
struct Page {
  store::JobStore& store;
  RateLimitedLog& errors;
  std::vector<std::string> ids;
  std::size_t examined = 0;
  std::vector<std::string> consumers;
  std::vector<std::string> configured;
  json::array rerun;
  std::optional<std::string> next_cursor;
  std::optional<Status> error;
  http::Respond respond;
};

// Re-runs the page's jobs, then answers. Each re-run is a few conditional writes; a page is
// bounded by its limit, and RunSteps keeps the stack flat when jobs need no write.
void RerunPage(const std::shared_ptr<Page>& page) {
  RunSteps(
      page->ids.size(),
      [page](std::size_t index, std::function<void(bool)> go_on) {
        const std::string& id = page->ids[index];
        store::RerunConsumers(
            page->store, id, page->consumers, page->configured,
            [page, id, go_on = std::move(go_on)](Result<std::vector<std::string>> rerun) {
              if (!rerun.ok() && rerun.error().code() != StatusCode::kNotFound) {  // deleted since: passed over
                page->errors.Log(fmt::format("job {} was not re-run: {}", id, rerun.error().message()));
                page->error = rerun.error();
                return go_on(false);
              }
              if (rerun.ok() && !rerun->empty()) {
                json::array consumers;
                for (std::string& name : *rerun) consumers.emplace_back(std::move(name));
                page->rerun.push_back(json::object{{"id", id}, {"consumers", std::move(consumers)}});
              }
              go_on(true);
            });
      },
      [page] {
        if (page->error) return page->respond(ErrorResponse(*page->error));
        json::object answer{{"examined", page->examined}, {"rerun", std::move(page->rerun)}};
        if (page->next_cursor) answer["nextCursor"] = *page->next_cursor;
        page->respond(Accepted(answer));
      });
}

}  // namespace

std::vector<std::string> JobReruns::ConfiguredConsumers() const {
  std::vector<std::string> names;
  if (consumers_ == nullptr) return names;
  for (const consumers::ConsumerView& view : consumers_->List()) names.push_back(view.name);
  return names;
}

std::optional<http::Response> JobReruns::UnknownConsumer(const std::vector<std::string>& names) const {
  if (consumers_ == nullptr) return std::nullopt;
  std::vector<consumers::ConsumerView> configured = consumers_->List();
  for (const std::string& name : names) {
    bool known = std::any_of(configured.begin(), configured.end(),
                             [&name](const consumers::ConsumerView& view) { return view.name == name; });
    if (!known) return MessageResponse(400, fmt::format("consumers: no consumer is named '{}'", name));
  }
  return std::nullopt;
}

void JobReruns::RerunJob(std::string_view id, std::string_view body, http::Respond respond) {
  if (!IsUuid(id)) return respond(MessageResponse(404, "Job not found"));
  if (!refused_.empty()) return respond(MessageResponse(400, refused_));
  auto request = ParseRerunRequest(body, false);
  if (!request.ok()) return respond(ErrorResponse(request.error()));
  if (auto unknown = UnknownConsumer(request->consumers)) return respond(std::move(*unknown));
  store::RerunConsumers(
      store_, std::string(id), std::move(request->consumers), ConfiguredConsumers(),
      [this, respond = std::move(respond), id = std::string(id)](Result<std::vector<std::string>> rerun) {
        if (!rerun.ok()) {
          if (rerun.error().code() == StatusCode::kNotFound) return respond(MessageResponse(404, "Job not found"));
          store_errors_.Log(fmt::format("job {} was not re-run: {}", id, rerun.error().message()));
          return respond(ErrorResponse(rerun.error()));
        }
        json::array consumers;
        for (std::string& name : *rerun) consumers.emplace_back(std::move(name));
        respond(Accepted(json::object{{"id", id}, {"rerun", std::move(consumers)}}));
      });
}

void JobReruns::RerunJobs(std::string_view body, http::Respond respond) {
  if (!refused_.empty()) return respond(MessageResponse(400, refused_));
  auto request = ParseRerunRequest(body, true);
  if (!request.ok()) return respond(ErrorResponse(request.error()));
  if (auto unknown = UnknownConsumer(request->consumers)) return respond(std::move(*unknown));
  const std::string scope = std::string(kCursorScope) + request->status;
  std::string before_id;
  if (!request->cursor.empty()) {
    auto resumed = DecodeJobCursor(request->cursor, scope);
    if (!resumed.ok()) return respond(ErrorResponse(resumed.error()));
    before_id = *resumed;
  }
  auto listing = store_.ListJobs(request->status, before_id, request->limit);
  if (!listing.ok()) {
    store_errors_.Log(fmt::format("cannot list jobs to re-run: {}", listing.error().message()));
    return respond(ErrorResponse(listing.error()));
  }
  auto page = std::make_shared<Page>(Page{store_,
                                          store_errors_,
                                          {},
                                          listing->jobs.size(),
                                          std::move(request->consumers),
                                          ConfiguredConsumers(),
                                          {},
                                          std::nullopt,
                                          std::nullopt,
                                          std::move(respond)});
  // The range is on each job's createdAt, as GET /jobs/{id} shows it, not on its id: items the
  // DynamoDB API wrote, and jobs of older data directories, have ids that are not time-ordered.
  for (const store::JobListing::Entry& entry : listing->jobs) {
    auto job = store::Job::FromItemJson(entry.item);
    if (!job.ok()) continue;  // not a job's item: nothing to re-run
    if (request->created_after && job->created_at < *request->created_after) continue;
    if (request->created_before && job->created_at >= *request->created_before) continue;
    page->ids.push_back(entry.id);
  }
  if (listing->more && !listing->jobs.empty()) page->next_cursor = EncodeJobCursor(scope, listing->jobs.back().id);
  RerunPage(page);
}

}  // namespace jobstream::api
