#include "common/aws_account.h"

#include <gtest/gtest.h>

#include <set>

namespace jobstream {
namespace {

TEST(AwsAccountTest, ArnsNameTheRegionAccountAndTable) {
  AwsAccount account{
      .region = "eu-west-1", .id = "123456789012", .table_name = "orders", .stream_label = "2026-12-07T03:45:12.123"};
  EXPECT_EQ(account.TableArn(), "arn:aws:dynamodb:eu-west-1:123456789012:table/orders");
  EXPECT_EQ(account.StreamArn(), "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-12-07T03:45:12.123");
  EXPECT_EQ(account.FunctionArn("process"), "arn:aws:lambda:eu-west-1:123456789012:function:process");
}

TEST(AwsAccountTest, NewAccountIdsAreTwelveDigitsAndDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewAccountId();
    EXPECT_TRUE(ValidateAccountId(id).ok()) << id;
    EXPECT_NE(id.front(), '0');
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(AwsAccountTest, AccountIdsAndTableNamesAreChecked) {
  for (const char* bad : {"", "12345678901", "1234567890123", "12345678901a", " 23456789012"}) {
    Status status = ValidateAccountId(bad);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("store.account_id"), std::string::npos);
  }
  EXPECT_TRUE(ValidateTableName("jobs").ok());
  EXPECT_TRUE(ValidateTableName("My_Table-1.v2").ok());
  EXPECT_TRUE(ValidateTableName(std::string(255, 'a')).ok());
  for (const std::string& bad :
       {std::string("ab"), std::string(256, 'a'), std::string("a b c"), std::string("jobs/x")}) {
    EXPECT_FALSE(ValidateTableName(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace jobstream
