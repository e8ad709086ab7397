// Status: the outcome of an operation that can fail in an expected way.
#pragma once

#include <string>
#include <utility>

namespace jobstream {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // the caller sent something malformed (HTTP 400)
  kNotFound,         // the thing asked for does not exist (HTTP 404)
  kConditionFailed,  // an optimistic-concurrency condition did not hold
  kPayloadTooLarge,  // a client-driven size bound was exceeded (HTTP 413)
  kUnavailable,      // shutting down or overloaded; retry later (HTTP 503)
  kIOError,          // the disk or the database failed
  kCorruption,       // stored data cannot be read back; retrying will not help (HTTP 500)
  kInternal,         // a bug
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status ConditionFailed(std::string m) { return {StatusCode::kConditionFailed, std::move(m)}; }
  static Status PayloadTooLarge(std::string m) { return {StatusCode::kPayloadTooLarge, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace jobstream
