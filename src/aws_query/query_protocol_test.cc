#include "aws_query/query_protocol.h"

#include <gtest/gtest.h>

namespace jobstream::aws_query {
namespace {

TEST(QueryProtocolTest, FormDecodingTurnsPlusIntoSpaceAndPercentEscapesIntoBytes) {
  Parameters params;
  AddFormParameters("Action=CreateUser&Description=a+b%2Bc%20d&Policy=%7B%22V%22%3A1%7D", params);
  EXPECT_EQ(*Find(params, "Action"), "CreateUser");
  EXPECT_EQ(*Find(params, "Description"), "a b+c d");
  EXPECT_EQ(*Find(params, "Policy"), "{\"V\":1}");
}

TEST(QueryProtocolTest, FirstValueWinsAndEmptyPairsAreSkipped) {
  Parameters params;
  AddFormParameters("&&A=1&A=2&B&=x", params);
  EXPECT_EQ(*Find(params, "A"), "1");
  EXPECT_EQ(*Find(params, "B"), "");
  EXPECT_EQ(*Find(params, ""), "x");
  EXPECT_EQ(Find(params, "C"), nullptr);
}

TEST(QueryProtocolTest, ListMembersStopAtTheFirstGap) {
  Parameters params;
  AddFormParameters("Tags.member.1.Key=a&ClientIDList.member.1=x&ClientIDList.member.2=y&ClientIDList.member.4=z",
                    params);
  EXPECT_EQ(ListMembers(params, "ClientIDList"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(*Find(params, "Tags.member.1.Key"), "a");
}

TEST(QueryProtocolTest, ParameterCountIsBounded) {
  std::string form;
  for (std::size_t i = 0; i < kMaxParameters + 10; ++i) form += "P" + std::to_string(i) + "=1&";
  Parameters params;
  AddFormParameters(form, params);
  EXPECT_EQ(params.size(), kMaxParameters);
}

TEST(QueryProtocolTest, ErrorDocumentHasTheShapeTheSdksParse) {
  http::Response response = XmlErrorResponse("ns:", 404, "NoSuchEntity", "a <b>", "req-1");
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(response.body,
            "<ErrorResponse xmlns=\"ns:\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
            "<Message>a &lt;b&gt;</Message></Error><RequestId>req-1</RequestId></ErrorResponse>");
}

TEST(QueryProtocolTest, AnswerWithoutOutputHasNoResultElement) {
  EXPECT_EQ(XmlResponse("ns:", "DeleteUser", "", "r").body,
            "<DeleteUserResponse xmlns=\"ns:\"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</DeleteUserResponse>");
}

}  // namespace
}  // namespace jobstream::aws_query
