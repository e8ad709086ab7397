#include "auth/function_identity.h"

#include <gtest/gtest.h>

#include "auth/authorizer.h"
#include "testing/temp_dir.h"

namespace jobstream::auth {
namespace {

class FunctionIdentityTest : public ::testing::Test {
 protected:
  FunctionIdentityTest() {
    account_.id = "123456789012";
    KeyFileOptions options;
    options.create = true;
    options.account_id = account_.id;
    keys_ = std::move(KeyFile::Open(dir_.path(), options)).value();
    admin_key_ = keys_->Create("jobstream-admin")->access_key_id;  // a file from before identities
  }

  bool Allowed(const std::string& user, std::string_view action, std::string_view resource) const {
    Authorizer authorizer(*keys_, account_.id);
    Principal principal;
    principal.user_name = user;
    return authorizer.Allows(principal, action, resource);
  }

  testing::TempDir dir_;
  AwsAccount account_;
  std::unique_ptr<KeyFile> keys_;
  std::string admin_key_;
};

TEST_F(FunctionIdentityTest, AFunctionMayUseTheTableAndItsStreamAndNothingElse) {
  auto key = FunctionKeyFor(*keys_, account_, "resize");
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(key->access_key_id.substr(0, 4), "AKIA");
  const std::string user = "function.resize";
  EXPECT_TRUE(Allowed(user, "dynamodb:UpdateItem", account_.TableArn()));
  EXPECT_TRUE(Allowed(user, "dynamodb:GetRecords", account_.StreamArn()));
  EXPECT_TRUE(Allowed(user, "dynamodb:ListTables", "*"));
  EXPECT_FALSE(Allowed(user, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/other"));
  EXPECT_FALSE(
      Allowed(user, "execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs"));
  EXPECT_FALSE(Allowed(user, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  // Making the function's identity explicit kept the administrator's rights.
  EXPECT_TRUE(Allowed("jobstream-admin", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
}

TEST_F(FunctionIdentityTest, TheSameKeyIsGivenAgainAndAnAdministratorsPolicyIsKept) {
  auto first = FunctionKeyFor(*keys_, account_, "resize");
  ASSERT_TRUE(first.ok());
  // The administrator narrows the function's policy; it is not put back.
  Status narrowed = keys_->Update([](KeyFileContents& contents) {
    for (auto& user : *contents.users) {
      if (user.name != "function.resize") continue;
      user.policies = {*iam::MakeInlinePolicy(
          std::string(kFunctionPolicyName),
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]})")};
    }
    return Status::Ok();
  });
  ASSERT_TRUE(narrowed.ok()) << narrowed.message();
  auto second = FunctionKeyFor(*keys_, account_, "resize");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->access_key_id, first->access_key_id);
  EXPECT_TRUE(Allowed("function.resize", "dynamodb:GetItem", account_.TableArn()));
  EXPECT_FALSE(Allowed("function.resize", "dynamodb:UpdateItem", account_.TableArn()));
}

TEST_F(FunctionIdentityTest, AFunctionKeptFromBeforeLosesItsImplicitFullRights) {
  // A function's key made by an earlier version: in a file without users, full rights.
  ASSERT_TRUE(keys_->Create("function.old").ok());
  EXPECT_TRUE(Allowed("function.old", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  auto key = FunctionKeyFor(*keys_, account_, "old");
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(Allowed("function.old", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  EXPECT_TRUE(Allowed("function.old", "dynamodb:PutItem", account_.TableArn()));
}

}  // namespace
}  // namespace jobstream::auth
