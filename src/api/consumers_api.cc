#include "api/consumers_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/error_response.h"

namespace jobstream::api {
namespace {

namespace beast_http = boost::beast::http;

constexpr std::string_view kConsumersPath = "/consumers";

boost::json::object ToJson(const consumers::ConsumerView& view) {
  return boost::json::object{{"name", view.name}, {"function", view.function}, {"enabled", view.enabled}};
}

http::Response JsonResponse(const boost::json::object& body) {
  http::Response response;
  response.body = boost::json::serialize(body);
  return response;
}

http::Response MethodNotAllowed(std::string_view allow) {
  http::Response response = MessageResponse(405, "Method Not Allowed");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// {"enabled": true|false} and nothing else: a typo must not silently leave a consumer running.
Result<bool> ParseEnabled(std::string_view body) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 4;
  boost::json::value parsed = boost::json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("Request body is not valid JSON");
  const boost::json::object* object = parsed.if_object();
  const boost::json::value* enabled = object != nullptr ? object->if_contains("enabled") : nullptr;
  if (enabled == nullptr || !enabled->is_bool() || object->size() != 1) {
    return Status::InvalidArgument(R"(Request body must be {"enabled": true} or {"enabled": false})");
  }
  return enabled->as_bool();
}

}  // namespace

http::Response ConsumersApi::Handle(const http::Request& request, std::string_view path) const {
  if (path == kConsumersPath) {
    if (request.method() != beast_http::verb::get) return MethodNotAllowed("GET");
    boost::json::array list;
    if (control_ != nullptr) {
      for (const auto& view : control_->List()) list.emplace_back(ToJson(view));
    }
    return JsonResponse(boost::json::object{{"consumers", std::move(list)}});
  }
  if (path.size() <= kConsumersPath.size() + 1 || path[kConsumersPath.size()] != '/') {
    return MessageResponse(404, "Not Found");
  }
  std::string_view name = path.substr(kConsumersPath.size() + 1);
  if (name.find('/') != std::string_view::npos) return MessageResponse(404, "Not Found");
  if (request.method() == beast_http::verb::get) {
    if (control_ != nullptr) {
      for (const auto& view : control_->List()) {
        if (view.name == name) return JsonResponse(ToJson(view));
      }
    }
    return MessageResponse(404, "Consumer not found");
  }
  if (request.method() != beast_http::verb::put) return MethodNotAllowed("GET, PUT");
  auto enabled = ParseEnabled(request.body());
  if (!enabled.ok()) return ErrorResponse(enabled.error());
  auto changed = control_ != nullptr ? control_->SetEnabled(name, *enabled) : std::nullopt;
  if (!changed) return MessageResponse(404, "Consumer not found");
  return JsonResponse(ToJson(*changed));
}

}  // namespace jobstream::api
