// The consumers part of the API, behind the same authentication as the jobs (JobsApi routes here):
//
//   GET /consumers          → 200 {"consumers": [{"name", "function", "enabled"}]}
//   GET /consumers/{name}   → 200 {"name", "function", "enabled"} | 404
//   PUT /consumers/{name}   {"enabled": false|true} → 200 the consumer | 400 | 404
//
// Disabling is Lambda's UpdateEventSourceMapping --no-enabled: the consumer starts no new work
// and resumes from its position when enabled; jobs keep arriving and wait for it.
#pragma once

#include <string_view>

#include "consumers/consumer_control.h"
#include "http/request_handler.h"

namespace jobstream::api {

class ConsumersApi {
 public:
  // `control` may be null (no consumers to manage): every route answers 404.
  explicit ConsumersApi(consumers::ConsumerControl* control) : control_(control) {}

  // `path` starts with /consumers.
  http::Response Handle(const http::Request& request, std::string_view path) const;

 private:
  consumers::ConsumerControl* control_;  // constant; thread-safe
};

}  // namespace jobstream::api
