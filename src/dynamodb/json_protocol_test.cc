#include "dynamodb/json_protocol.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

class JsonProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    principal_.signed_path = "/";
    principal_.service = "dynamodb";
    OperationTable table;
    table["Echo"] = Synchronous([](const json::object& input, const OperationContext&) -> OperationResult {
      auto name = RequiredString(input, "Name");
      if (!name.ok()) return MakeUnexpected(name.error());
      return std::string(R"({"Name":")") + std::string(*name) + "\"}";
    });
    // Answers later, as a write does once durable.
    table["Later"] = [this](const json::object&, const OperationContext&, OperationRespond respond) {
      later_ = std::move(respond);
    };
    protocol_.Register("Test_20120810", std::move(table));
  }

  http::Response Send(std::string_view target, std::string body,
                      std::string_view content_type = "application/x-amz-json-1.0") {
    http::Request request{boost::beast::http::verb::post, "/", 11};
    if (!target.empty()) request.set("X-Amz-Target", target);
    request.set(boost::beast::http::field::content_type, content_type);
    request.body() = std::move(body);
    http::Response answer;
    answer.status = 0;
    protocol_.Handle(principal_, request, std::chrono::system_clock::now(),
                     [&answer](http::Response response) { answer = std::move(response); });
    return answer;
  }

  static json::object Body(const http::Response& response) { return json::parse(response.body).as_object(); }

  auth::Principal principal_;
  JsonProtocol protocol_;
  OperationRespond later_;
};

TEST_F(JsonProtocolTest, AnOperationMayAnswerAfterItReturns) {
  http::Request request{boost::beast::http::verb::post, "/", 11};
  request.set("X-Amz-Target", "Test_20120810.Later");
  request.set(boost::beast::http::field::content_type, "application/x-amz-json-1.0");
  request.body() = "{}";
  std::optional<http::Response> answer;
  protocol_.Handle(principal_, request, std::chrono::system_clock::now(),
                   [&answer](http::Response response) { answer = std::move(response); });
  EXPECT_FALSE(answer.has_value());
  ASSERT_TRUE(later_);
  later_(std::string(R"({"Done":true})"));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200u);
  EXPECT_EQ(answer->body, R"({"Done":true})");
}

TEST_F(JsonProtocolTest, AnOperationOfARegisteredPrefixAnswersItsJson) {
  auto response = Send("Test_20120810.Echo", R"({"Name":"x"})");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(response.body, R"({"Name":"x"})");
}

TEST_F(JsonProtocolTest, UnknownTargetsAreUnknownOperationExceptionWithoutAMessage) {
  for (std::string_view target : {"Test_20120810.Nope", "Other_20120810.Echo", "Echo", ""}) {
    auto response = Send(target, "{}");
    EXPECT_EQ(response.status, 400u) << target;
    EXPECT_EQ(response.body, R"({"__type":"com.amazon.coral.service#UnknownOperationException"})") << target;
  }
}

TEST_F(JsonProtocolTest, AnotherContentTypeIsNotDispatched) {
  auto response = Send("Test_20120810.Echo", R"({"Name":"x"})", "application/json");
  EXPECT_EQ(Body(response).at("__type").as_string(), "com.amazon.coral.service#UnknownOperationException");
}

TEST_F(JsonProtocolTest, MalformedJsonOrANonObjectIsSerializationException) {
  for (std::string body : {"{", "", "[]", "\"x\"", R"({"Name":"x"} trailing)"}) {
    auto response = Send("Test_20120810.Echo", body);
    EXPECT_EQ(response.status, 400u) << body;
    EXPECT_EQ(response.body, R"({"__type":"com.amazon.coral.service#SerializationException"})") << body;
  }
}

TEST_F(JsonProtocolTest, AMemberOfTheWrongTypeIsSerializationExceptionAndAMissingOneValidation) {
  auto wrong = Send("Test_20120810.Echo", R"({"Name":5})");
  EXPECT_EQ(Body(wrong).at("__type").as_string(), "com.amazon.coral.service#SerializationException");
  auto missing = Send("Test_20120810.Echo", "{}");
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(Body(missing).at("__type").as_string(), "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(Body(missing).at("message").as_string(),
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
}

TEST_F(JsonProtocolTest, AccessDeniedSaysMessageWithACapitalAsDynamoDBsFrontEnd) {
  auto response = JsonErrorResponse(AccessDeniedException("no"));
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(response.body, R"({"__type":"com.amazon.coral.service#AccessDeniedException","Message":"no"})");
}

TEST_F(JsonProtocolTest, IntegersOfAnyOtherTypeAreRefused) {
  EXPECT_EQ(**OptionalInteger(json::parse(R"({"Limit":5})").as_object(), "Limit"), 5);
  EXPECT_FALSE(OptionalInteger(json::parse(R"({"Limit":"5"})").as_object(), "Limit").ok());
  EXPECT_FALSE(OptionalInteger(json::parse(R"({"Limit":1.5})").as_object(), "Limit").ok());
  EXPECT_FALSE(OptionalInteger(json::parse(R"({"Limit":18446744073709551615})").as_object(), "Limit").ok());
  EXPECT_FALSE((*OptionalInteger(json::parse(R"({"Limit":null})").as_object(), "Limit")).has_value());
}

}  // namespace
}  // namespace jobstream::dynamodb
