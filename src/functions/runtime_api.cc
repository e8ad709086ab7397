#include "functions/runtime_api.h"

#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "functions/exec_outcome.h"

namespace jobstream::functions {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::size_t kMaxErrorMessageBytes = 4096;
constexpr std::size_t kMaxRequestIdBytes = 128;

}  // namespace

http::Response RuntimeAccepted() {
  http::Response response;
  response.status = 202;
  response.body = R"({"status":"OK"})";
  return response;
}

http::Response RuntimeError(unsigned status, std::string_view type, std::string_view message) {
  http::Response response;
  response.status = status;
  boost::json::object body;
  body["errorMessage"] = message;
  body["errorType"] = type;
  response.body = boost::json::serialize(body);
  return response;
}

http::Response InvalidRequestId(std::string_view request_id) {
  return RuntimeError(400, "InvalidRequestID", fmt::format("Invalid request ID: {}", ValidUtf8(request_id)));
}

http::Response InvalidStateTransition(std::string_view what) {
  return RuntimeError(403, "InvalidStateTransition", what);
}

http::Response NextResponse(const NextInvocation& invocation) {
  http::Response response;
  response.status = 200;
  response.body = invocation.payload;
  response.headers = {
      {"Lambda-Runtime-Aws-Request-Id", invocation.request_id},
      {"Lambda-Runtime-Deadline-Ms", std::to_string(invocation.deadline_ms)},
      {"Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn},
      {"Lambda-Runtime-Trace-Id", invocation.trace_id},
  };
  return response;
}

ReportedError ParseReportedError(std::string_view header_type, std::string_view body) {
  ReportedError error;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  const boost::json::object* object = ec ? nullptr : parsed.if_object();
  if (object != nullptr) {
    if (const auto* type = object->if_contains("errorType"); type != nullptr && type->is_string()) {
      error.type = std::string(type->as_string());
    }
    if (const auto* message = object->if_contains("errorMessage"); message != nullptr && message->is_string()) {
      error.message = std::string(message->as_string());
    }
  } else {
    error.message = std::string(body);
  }
  // The body's type is the handler's exception; runtimes send "Unhandled" in the header.
  if (error.type.empty()) error.type = std::string(header_type);
  if (error.type.empty()) error.type = "Unhandled";
  if (error.message.size() > kMaxErrorMessageBytes) error.message.resize(kMaxErrorMessageBytes);
  if (error.type.size() > 256) error.type.resize(256);
  error.type = ValidUtf8(error.type);
  error.message = ValidUtf8(error.message);
  return error;
}

void RuntimeApiHandler::Handle(http::Request& request, http::Respond respond) {
  std::string_view target(request.target().data(), request.target().size());
  if (auto query = target.find('?'); query != std::string_view::npos) target = target.substr(0, query);
  auto not_found = [&] { respond(RuntimeError(404, "InvalidRoute", "Route not found")); };
  auto wrong_method = [&] { respond(RuntimeError(405, "MethodNotAllowed", "Method not allowed")); };
  if (!target.starts_with(kPrefix)) return not_found();
  std::string_view route = target.substr(kPrefix.size());
  const bool is_get = request.method() == bhttp::verb::get;
  const bool is_post = request.method() == bhttp::verb::post;

  if (route == "invocation/next") {
    if (!is_get) return wrong_method();
    return backend_.Next(std::move(respond));
  }
  if (route == "init/error") {
    if (!is_post) return wrong_method();
    std::string_view header;
    auto found = request.find("Lambda-Runtime-Function-Error-Type");
    if (found != request.end()) header = std::string_view(found->value().data(), found->value().size());
    return backend_.InitError(ParseReportedError(header, request.body()), std::move(respond));
  }
  constexpr std::string_view kInvocation = "invocation/";
  if (!route.starts_with(kInvocation)) return not_found();
  route.remove_prefix(kInvocation.size());
  auto slash = route.find('/');
  if (slash == std::string_view::npos || slash == 0) return not_found();
  std::string_view request_id = route.substr(0, slash);
  std::string_view action = route.substr(slash + 1);
  if (action != "response" && action != "error") return not_found();
  if (!is_post) return wrong_method();
  if (request_id.size() > kMaxRequestIdBytes)
    return respond(InvalidRequestId(request_id.substr(0, kMaxRequestIdBytes)));
  if (action == "response") {
    bool too_large = request.body().size() > kMaxResponseBytes;
    std::string body = too_large ? std::string() : std::move(request.body());
    return backend_.Response(request_id, std::move(body), too_large, std::move(respond));
  }
  std::string_view header;
  auto found = request.find("Lambda-Runtime-Function-Error-Type");
  if (found != request.end()) header = std::string_view(found->value().data(), found->value().size());
  backend_.Error(request_id, ParseReportedError(header, request.body()), std::move(respond));
}

}  // namespace jobstream::functions
