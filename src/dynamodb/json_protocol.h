// The JSON 1.0 protocol of DynamoDB and DynamoDB Streams on the server's port: POST / with
// `X-Amz-Target: <prefix>.<Operation>` and a JSON object body, answered with a JSON object or
// with an error as DynamoDB sends it (HTTP 400, {"__type": "<namespace>#<Code>", "message": …};
// the server adds x-amzn-RequestId to every response).
//
// Each service registers its operations under its target prefix ("DynamoDBStreams_20120810",
// later "DynamoDB_20120810"); the requests reach this layer already verified (SigV4 service
// `dynamodb`) and authorized (api/route_table.h).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4_verifier.h"
#include "common/result.h"
#include "http/request_handler.h"

namespace jobstream::dynamodb {

// A failure as the client sees it. `type` is the whole __type ("com.amazon.coral.validate#
// ValidationException"): the SDKs keep what follows '#' as the error code.
struct ApiError {
  std::string type;
  std::optional<std::string> message;  // DynamoDB omits it for some protocol errors
  unsigned http_status = 400;
  bool capital_message = false;  // the front layer's errors (AccessDenied) say "Message"
  boost::json::object extra;     // further members (ConditionalCheckFailedException's Item)
};

ApiError ValidationException(std::string message);
ApiError ResourceNotFoundException(std::string message);
ApiError ExpiredIteratorException(std::string message);
ApiError TrimmedDataAccessException(std::string message);
ApiError AccessDeniedException(std::string message);
ApiError UnknownOperationException();
ApiError SerializationException(std::optional<std::string> message = std::nullopt);
ApiError InternalServerError();
// An error of the service's own namespace by its code, e.g. "ConditionalCheckFailedException".
ApiError ServiceError(std::string_view code, std::string message);
// A front-end (authentication) error by its code, e.g. "UnrecognizedClientException".
ApiError CoralError(std::string_view code, std::string message);

inline constexpr std::string_view kJson10ContentType = "application/x-amz-json-1.0";
inline constexpr std::string_view kJson11ContentType = "application/x-amz-json-1.1";

// The JSON 1.0 response for an error (also used for authentication and authorization failures of
// requests scoped to `dynamodb`); JSON 1.1 services answer the same with their content type.
http::Response JsonErrorResponse(const ApiError& error, std::string_view content_type = kJson10ContentType);

// What an operation gets besides its input.
struct OperationContext {
  const auth::Principal& principal;
  std::chrono::system_clock::time_point now;
};

// An operation: the request's JSON object in, the response's JSON text out, handed to `respond`
// exactly once, at once or later (a write answers only once its transaction is durable, from the
// store's commit thread). The input and context are valid only until the operation returns.
using OperationResult = Result<std::string, ApiError>;
using OperationRespond = std::function<void(OperationResult)>;
using Operation =
    std::function<void(const boost::json::object& input, const OperationContext& context, OperationRespond respond)>;
using OperationTable = std::map<std::string, Operation, std::less<>>;
// An operation that answers before it returns (the reads).
using SyncOperation = std::function<OperationResult(const boost::json::object& input, const OperationContext& context)>;
Operation Synchronous(SyncOperation operation);

// Thread-safe once every service is registered (before the server starts). One protocol serves
// one content type: JSON 1.0 (DynamoDB, DynamoDB Streams) or JSON 1.1 (EventBridge); the two
// differ on the wire only in it.
class JsonProtocol {
 public:
  explicit JsonProtocol(std::string_view content_type = kJson10ContentType) : content_type_(content_type) {}

  // Serves target_prefix.<name> for every name in operations.
  void Register(std::string target_prefix, OperationTable operations);

  // Answers one verified, authorized request through `respond` (exactly once; maybe later, from
  // another thread).
  void Handle(const auth::Principal& principal, const http::Request& request, std::chrono::system_clock::time_point now,
              http::Respond respond) const;

 private:
  // The registered operation the request's target names, or the error DynamoDB answers.
  Result<const Operation*, ApiError> Find(const auth::Principal& principal, const http::Request& request) const;

  // Constant after registration.
  std::string content_type_;
  std::map<std::string, OperationTable, std::less<>> services_;
};

// Request members as the JSON 1.0 protocol reads them: absent (or null) is nullopt, a value of
// another type is a SerializationException, as the AWS front end answers it.
Result<std::optional<std::string_view>, ApiError> OptionalString(const boost::json::object& input,
                                                                 std::string_view name);
Result<std::optional<std::int64_t>, ApiError> OptionalInteger(const boost::json::object& input, std::string_view name);
// A required string: missing is DynamoDB's "1 validation error detected: Value null at '<name>'
// failed to satisfy constraint: Member must not be null" (the member's name in lower camel case).
Result<std::string_view, ApiError> RequiredString(const boost::json::object& input, std::string_view name);

}  // namespace jobstream::dynamodb
