#include "functions/runtime_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>

#include "functions/exec_outcome.h"

namespace jobstream::functions {
namespace {

namespace bhttp = boost::beast::http;

// Records what the handler asked of it and answers 202.
class FakeBackend : public RuntimeApiBackend {
 public:
  void Next(http::Respond respond) override {
    calls.push_back("next");
    respond(NextResponse(NextInvocation{"req-1", 1700000000000, "arn:aws:lambda:r:1:function:f", "Root=1", "{}"}));
  }
  void Response(std::string_view request_id, std::string body, bool too_large, http::Respond respond) override {
    calls.push_back("response " + std::string(request_id));
    last_body = std::move(body);
    last_too_large = too_large;
    respond(RuntimeAccepted());
  }
  void Error(std::string_view request_id, ReportedError error, http::Respond respond) override {
    calls.push_back("error " + std::string(request_id));
    last_error = std::move(error);
    respond(RuntimeAccepted());
  }
  void InitError(ReportedError error, http::Respond respond) override {
    calls.push_back("init-error");
    last_error = std::move(error);
    respond(RuntimeAccepted());
  }

  std::vector<std::string> calls;
  std::string last_body;
  bool last_too_large = false;
  std::optional<ReportedError> last_error;
};

class RuntimeApiTest : public ::testing::Test {
 protected:
  http::Response Send(bhttp::verb method, std::string target, std::string body = {},
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request request(method, target, 11);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    std::optional<http::Response> answer;
    handler_.Handle(request, [&answer](http::Response response) { answer = std::move(response); });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(http::Response{});
  }

  static std::string ErrorTypeOf(const http::Response& response) {
    return std::string(boost::json::parse(response.body).at("errorType").as_string());
  }

  FakeBackend backend_;
  RuntimeApiHandler handler_{backend_};
};

TEST_F(RuntimeApiTest, NextAnswersTheEventWithLambdasHeaders) {
  http::Response response = Send(bhttp::verb::get, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(200u, response.status);
  EXPECT_EQ("{}", response.body);
  std::map<std::string, std::string> headers(response.headers.begin(), response.headers.end());
  EXPECT_EQ("req-1", headers["Lambda-Runtime-Aws-Request-Id"]);
  EXPECT_EQ("1700000000000", headers["Lambda-Runtime-Deadline-Ms"]);
  EXPECT_EQ("arn:aws:lambda:r:1:function:f", headers["Lambda-Runtime-Invoked-Function-Arn"]);
  EXPECT_EQ("Root=1", headers["Lambda-Runtime-Trace-Id"]);
}

TEST_F(RuntimeApiTest, ResponseIsPassedOnWithItsRequestId) {
  http::Response response = Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/abc-123/response", R"({"a":1})");
  EXPECT_EQ(202u, response.status);
  EXPECT_EQ(R"({"status":"OK"})", response.body);
  EXPECT_EQ(std::vector<std::string>{"response abc-123"}, backend_.calls);
  EXPECT_EQ(R"({"a":1})", backend_.last_body);
  EXPECT_FALSE(backend_.last_too_large);
}

TEST_F(RuntimeApiTest, ResponseOverSixMegabytesIsFlaggedAndNotKept) {
  Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/abc/response", std::string(kMaxResponseBytes + 1, 'x'));
  EXPECT_TRUE(backend_.last_too_large);
  EXPECT_TRUE(backend_.last_body.empty());
  Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/abc/response", std::string(kMaxResponseBytes, 'x'));
  EXPECT_FALSE(backend_.last_too_large);
}

TEST_F(RuntimeApiTest, ErrorTakesTheBodysTypeOverTheHeadersUnhandled) {
  Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/r/error",
       R"({"errorMessage":"bad","errorType":"ValueError","stackTrace":[]})",
       {{"Lambda-Runtime-Function-Error-Type", "Unhandled"}});
  ASSERT_TRUE(backend_.last_error);
  EXPECT_EQ("ValueError", backend_.last_error->type);
  EXPECT_EQ("bad", backend_.last_error->message);
}

TEST_F(RuntimeApiTest, ErrorWithoutATypedBodyTakesTheHeaderOrUnhandled) {
  Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/r/error", "plain words",
       {{"Lambda-Runtime-Function-Error-Type", "Custom.Thing"}});
  EXPECT_EQ("Custom.Thing", backend_.last_error->type);
  EXPECT_EQ("plain words", backend_.last_error->message);
  Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/r/error", "");
  EXPECT_EQ("Unhandled", backend_.last_error->type);
}

TEST_F(RuntimeApiTest, ErrorMessageIsCutAndMadeValidUtf8) {
  Send(bhttp::verb::post, "/2018-06-01/runtime/init/error", "\xff" + std::string(10000, 'm'));
  EXPECT_EQ(std::vector<std::string>{"init-error"}, backend_.calls);
  EXPECT_LE(backend_.last_error->message.size(), 4096u + 3);
  EXPECT_EQ("\xEF\xBF\xBD", backend_.last_error->message.substr(0, 3));
}

TEST_F(RuntimeApiTest, UnknownRoutesAre404AndWrongMethods405) {
  EXPECT_EQ(404u, Send(bhttp::verb::get, "/2018-06-01/runtime/invocation/").status);
  EXPECT_EQ(404u, Send(bhttp::verb::get, "/2020-01-01/extension/register").status);
  EXPECT_EQ(404u, Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/x/other").status);
  EXPECT_EQ(404u, Send(bhttp::verb::post, "/2018-06-01/runtime/invocation//response").status);
  EXPECT_EQ(405u, Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/next").status);
  EXPECT_EQ(405u, Send(bhttp::verb::get, "/2018-06-01/runtime/invocation/x/response").status);
  EXPECT_EQ(405u, Send(bhttp::verb::get, "/2018-06-01/runtime/init/error").status);
  EXPECT_TRUE(backend_.calls.empty());
  EXPECT_EQ("InvalidRoute", ErrorTypeOf(Send(bhttp::verb::get, "/nothing")));
}

TEST_F(RuntimeApiTest, AnOverlongRequestIdIsInvalid) {
  http::Response response =
      Send(bhttp::verb::post, "/2018-06-01/runtime/invocation/" + std::string(500, 'a') + "/response");
  EXPECT_EQ(400u, response.status);
  EXPECT_EQ("InvalidRequestID", ErrorTypeOf(response));
  EXPECT_TRUE(backend_.calls.empty());
}

TEST(RuntimeApiAnswers, ErrorBodiesHaveLambdasShape) {
  http::Response invalid = InvalidRequestId("nope");
  EXPECT_EQ(400u, invalid.status);
  auto body = boost::json::parse(invalid.body).as_object();
  EXPECT_EQ("InvalidRequestID", body.at("errorType").as_string());
  EXPECT_EQ("Invalid request ID: nope", body.at("errorMessage").as_string());
  http::Response state = InvalidStateTransition("twice");
  EXPECT_EQ(403u, state.status);
  EXPECT_EQ("InvalidStateTransition", boost::json::parse(state.body).at("errorType").as_string());
}

}  // namespace
}  // namespace jobstream::functions
