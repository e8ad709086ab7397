#include "api/error_response.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace jobstream::api {
namespace {

unsigned HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConditionFailed:
      return 409;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace

http::Response MessageResponse(unsigned http_status, std::string_view message) {
  http::Response response;
  response.status = http_status;
  response.body = http::ErrorBody(message);
  return response;
}

http::Response ErrorResponse(const Status& status) {
  unsigned code = HttpStatusOf(status.code());
  // Server-side failures never leak internals (paths, SQL) to the client; they are logged.
  if (code >= 500 && code != 503) return MessageResponse(code, "Internal server error");
  return MessageResponse(code, status.message());
}

http::Response AuthErrorResponse(const auth::AuthFailure& failure) {
  http::Response response = MessageResponse(403, failure.message);
  response.headers.emplace_back("x-amzn-ErrorType", failure.error_type);
  return response;
}

http::Response AccessDeniedResponse(std::string_view message) {
  http::Response response;
  response.status = 403;
  // API Gateway's IAM denials capitalise the member, unlike its other errors.
  response.body = boost::json::serialize(boost::json::object{{"Message", message}});
  response.headers.emplace_back("x-amzn-ErrorType", "AccessDeniedException");
  return response;
}

}  // namespace jobstream::api
