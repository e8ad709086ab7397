// The one place where failures become HTTP status codes and JSON error bodies.
#pragma once

#include "auth/sigv4_verifier.h"
#include "common/status.h"
#include "http/request_handler.h"

namespace jobstream::api {

// {"message": ...} with the status code the failure's kind calls for.
http::Response ErrorResponse(const Status& status);
// 403 with API Gateway's x-amzn-ErrorType header.
http::Response AuthErrorResponse(const auth::AuthFailure& failure);
http::Response MessageResponse(unsigned http_status, std::string_view message);
// 403 as API Gateway denies an IAM principal: {"Message": …}, x-amzn-ErrorType AccessDeniedException.
http::Response AccessDeniedResponse(std::string_view message);

}  // namespace jobstream::api
