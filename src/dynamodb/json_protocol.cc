#include "dynamodb/json_protocol.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

// The namespaces DynamoDB's errors carry: the service's own, Coral's validation layer and Coral's
// front end (protocol, authentication and authorization errors).
constexpr std::string_view kServiceNamespace = "com.amazonaws.dynamodb.v20120810#";
constexpr std::string_view kValidateNamespace = "com.amazon.coral.validate#";
constexpr std::string_view kCoralNamespace = "com.amazon.coral.service#";

ApiError Make(std::string_view ns, std::string_view code, std::optional<std::string> message) {
  ApiError error;
  error.type = std::string(ns) + std::string(code);
  error.message = std::move(message);
  return error;
}

}  // namespace

ApiError ValidationException(std::string message) {
  return Make(kValidateNamespace, "ValidationException", std::move(message));
}
ApiError ResourceNotFoundException(std::string message) {
  return Make(kServiceNamespace, "ResourceNotFoundException", std::move(message));
}
ApiError ExpiredIteratorException(std::string message) {
  return Make(kServiceNamespace, "ExpiredIteratorException", std::move(message));
}
ApiError TrimmedDataAccessException(std::string message) {
  return Make(kServiceNamespace, "TrimmedDataAccessException", std::move(message));
}
ApiError AccessDeniedException(std::string message) {
  ApiError error = Make(kCoralNamespace, "AccessDeniedException", std::move(message));
  error.capital_message = true;
  return error;
}
ApiError UnknownOperationException() { return Make(kCoralNamespace, "UnknownOperationException", std::nullopt); }
ApiError SerializationException(std::optional<std::string> message) {
  return Make(kCoralNamespace, "SerializationException", std::move(message));
}
ApiError InternalServerError() {
  ApiError error = Make(kServiceNamespace, "InternalServerError", "Internal server error");
  error.http_status = 500;
  return error;
}

ApiError ServiceError(std::string_view code, std::string message) {
  return Make(kServiceNamespace, code, std::move(message));
}

ApiError CoralError(std::string_view code, std::string message) {
  return Make(kCoralNamespace, code, std::move(message));
}

http::Response JsonErrorResponse(const ApiError& error, std::string_view content_type) {
  json::object body{{"__type", error.type}};
  if (error.message) body[error.capital_message ? "Message" : "message"] = *error.message;
  for (const auto& [name, value] : error.extra) body[name] = value;
  http::Response response;
  response.status = error.http_status;
  response.content_type = std::string(content_type);
  response.body = json::serialize(body);
  return response;
}

void JsonProtocol::Register(std::string target_prefix, OperationTable operations) {
  services_[std::move(target_prefix)] = std::move(operations);
}

Operation Synchronous(SyncOperation operation) {
  return [operation = std::move(operation)](const json::object& input, const OperationContext& context,
                                            const OperationRespond& respond) { respond(operation(input, context)); };
}

void JsonProtocol::Handle(const auth::Principal& principal, const http::Request& request,
                          std::chrono::system_clock::time_point now, http::Respond respond) const {
  namespace beast_http = boost::beast::http;
  auto operation = Find(principal, request);
  if (!operation.ok()) return respond(JsonErrorResponse(operation.error(), content_type_));

  boost::system::error_code ec;
  json::value parsed = json::parse(request.body(), ec);
  if (ec || !parsed.is_object()) return respond(JsonErrorResponse(SerializationException(), content_type_));

  (**operation)(parsed.get_object(), OperationContext{principal, now},
                [respond = std::move(respond), content_type = std::string_view(content_type_)](OperationResult result) {
                  if (!result.ok()) return respond(JsonErrorResponse(result.error(), content_type));
                  http::Response response;
                  response.content_type = std::string(content_type);
                  response.body = std::move(result).value();
                  respond(std::move(response));
                });
}

Result<const Operation*, ApiError> JsonProtocol::Find(const auth::Principal& principal,
                                                      const http::Request& request) const {
  namespace beast_http = boost::beast::http;
  if (request.method() != beast_http::verb::post || principal.signed_path != "/") {
    return MakeUnexpected(UnknownOperationException());
  }
  // "<prefix>.<Operation>": the prefix picks the service, the rest its operation.
  const std::string_view target = request["X-Amz-Target"];
  const std::size_t dot = target.find('.');
  if (dot == std::string_view::npos) return MakeUnexpected(UnknownOperationException());
  auto service = services_.find(target.substr(0, dot));
  if (service == services_.end()) return MakeUnexpected(UnknownOperationException());
  auto operation = service->second.find(target.substr(dot + 1));
  if (operation == service->second.end()) return MakeUnexpected(UnknownOperationException());
  // The SDKs send exactly this type; Coral does not dispatch on anything else.
  if (!boost::beast::iequals(request[beast_http::field::content_type], content_type_)) {
    return MakeUnexpected(UnknownOperationException());
  }
  return &operation->second;
}

Result<std::optional<std::string_view>, ApiError> OptionalString(const json::object& input, std::string_view name) {
  const json::value* member = input.if_contains(name);
  if (member == nullptr || member->is_null()) return std::optional<std::string_view>{};
  if (!member->is_string()) return MakeUnexpected(SerializationException("NUMBER_VALUE cannot be converted to String"));
  return std::optional<std::string_view>{std::string_view(member->get_string())};
}

Result<std::optional<std::int64_t>, ApiError> OptionalInteger(const json::object& input, std::string_view name) {
  const json::value* member = input.if_contains(name);
  if (member == nullptr || member->is_null()) return std::optional<std::int64_t>{};
  if (member->is_int64()) return std::optional<std::int64_t>{member->get_int64()};
  if (member->is_uint64()) return MakeUnexpected(SerializationException("Numeric value out of range of int"));
  if (member->is_double()) {
    // Coral truncates an integral double (1.0) and refuses the rest; JSON clients never send one.
    double value = member->get_double();
    if (value == static_cast<double>(static_cast<std::int64_t>(value)) && value > -1e15 && value < 1e15) {
      return std::optional<std::int64_t>{static_cast<std::int64_t>(value)};
    }
  }
  return MakeUnexpected(SerializationException("STRING_VALUE can not be converted to an Integer"));
}

Result<std::string_view, ApiError> RequiredString(const json::object& input, std::string_view name) {
  auto value = OptionalString(input, name);
  if (!value.ok()) return MakeUnexpected(value.error());
  if (!value->has_value()) {
    std::string member(name);
    if (!member.empty()) member[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(member[0])));
    return MakeUnexpected(ValidationException("1 validation error detected: Value null at '" + member +
                                              "' failed to satisfy constraint: Member must not be null"));
  }
  return **value;
}

}  // namespace jobstream::dynamodb
