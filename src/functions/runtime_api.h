// The Lambda Runtime API as a worker sees it (AWS's 2018-06-01 runtime API): the routes, their
// status codes and error bodies. What the requests mean for the invocations (which worker holds
// which request id) is the backend's business (lambda_function.h); this file only translates
// HTTP to calls and answers to HTTP, in one place.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_handler.h"

namespace jobstream::functions {

// An error a worker reports (invocation error or init error), as its body and header carry it.
struct ReportedError {
  std::string type;     // the body's errorType, else Lambda-Runtime-Function-Error-Type, else "Unhandled"
  std::string message;  // the body's errorMessage, else the body's text (cut)
};

// The invocation handed to a worker by /next.
struct NextInvocation {
  std::string request_id;
  std::int64_t deadline_ms = 0;  // Unix epoch milliseconds
  std::string function_arn;
  std::string trace_id;
  std::string payload;  // the event, JSON text
};

// What a worker's requests do. Called from the API server's threads; each method answers through
// `respond` exactly once, at once or later (Next waits for an invocation).
class RuntimeApiBackend {
 public:
  virtual ~RuntimeApiBackend() = default;
  virtual void Next(http::Respond respond) = 0;
  // too_large: the body passed kMaxResponseBytes (it is then empty); the invocation fails.
  virtual void Response(std::string_view request_id, std::string body, bool too_large, http::Respond respond) = 0;
  virtual void Error(std::string_view request_id, ReportedError error, http::Respond respond) = 0;
  virtual void InitError(ReportedError error, http::Respond respond) = 0;
};

// The answers, in Lambda's words (status and {"errorMessage", "errorType"} body).
http::Response RuntimeAccepted();  // 202 {"status":"OK"}
http::Response RuntimeError(unsigned status, std::string_view type, std::string_view message);
http::Response InvalidRequestId(std::string_view request_id);   // 400
http::Response InvalidStateTransition(std::string_view what);   // 403
http::Response NextResponse(const NextInvocation& invocation);  // 200, the event

// Routes one worker's requests to its backend. Thread-safe (it holds no state of its own).
class RuntimeApiHandler final : public http::RequestHandler {
 public:
  static constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
  explicit RuntimeApiHandler(RuntimeApiBackend& backend) : backend_(backend) {}
  void Handle(http::Request& request, http::Respond respond) override;

 private:
  RuntimeApiBackend& backend_;
};

// The error a worker posted: type from the header or the body, message from the body.
ReportedError ParseReportedError(std::string_view header_type, std::string_view body);

}  // namespace jobstream::functions
