#include "auth/function_identity.h"

#include <gtest/gtest.h>

#include "auth/authorizer.h"
#include "testing/temp_dir.h"

namespace jobstream::auth {
namespace {

using std::chrono::seconds;

class FunctionIdentityTest : public ::testing::Test {
 protected:
  FunctionIdentityTest() : tokens_(std::array<unsigned char, 32>{7}) {
    account_.id = "123456789012";
    KeyFileOptions options;
    options.create = true;
    options.account_id = account_.id;
    keys_ = std::move(KeyFile::Open(dir_.path(), options)).value();
    admin_key_ = keys_->Create("jobstream-admin")->access_key_id;  // a file from before identities
  }

  // The principal the verifier makes of a request signed with `issued`.
  Principal SignedWith(const IssuedCredentials& issued) const {
    auto opened = tokens_.Open(issued.session_token);
    EXPECT_TRUE(opened.has_value());
    Principal principal;
    principal.access_key_id = opened->credential.access_key_id;
    principal.user_name = opened->credential.user_name;
    principal.session = opened->session;
    return principal;
  }

  bool Allowed(const Principal& principal, std::string_view action, std::string_view resource) const {
    Authorizer authorizer(*keys_, account_.id);
    return authorizer.Allows(principal, action, resource);
  }

  bool UserAllowed(const std::string& user, std::string_view action, std::string_view resource) const {
    Principal principal;
    principal.user_name = user;
    return Allowed(principal, action, resource);
  }

  testing::TempDir dir_;
  AwsAccount account_;
  std::unique_ptr<KeyFile> keys_;
  std::string admin_key_;
  SessionTokens tokens_;
  std::chrono::system_clock::time_point now_ = std::chrono::sys_days{std::chrono::year{2026} / 12 / 8};
};

TEST_F(FunctionIdentityTest, TheDefaultRoleIsCreatedAndMayUseTheTableAndItsStreamAndNothingElse) {
  EXPECT_FALSE(keys_->FindRole(kDefaultFunctionRoleName).has_value());
  Status ensured = EnsureFunctionRole(*keys_, account_, kDefaultFunctionRoleName, "resize");
  ASSERT_TRUE(ensured.ok()) << ensured.message();
  auto issued = AssumeFunctionRole(*keys_, tokens_, kDefaultFunctionRoleName, "resize", seconds(3600), now_);
  ASSERT_TRUE(issued.ok()) << issued.error().message();
  EXPECT_EQ(issued->temporary.credential.access_key_id.substr(0, 4), "ASIA");
  EXPECT_EQ(issued->temporary.session.expiration, now_ + seconds(3600));
  Principal function = SignedWith(*issued);
  EXPECT_EQ(Authorizer(*keys_, account_.id).ArnOf(function),
            "arn:aws:sts::123456789012:assumed-role/jobstream-function-role/resize");
  EXPECT_TRUE(Allowed(function, "dynamodb:UpdateItem", account_.TableArn()));
  EXPECT_TRUE(Allowed(function, "dynamodb:GetRecords", account_.StreamArn()));
  EXPECT_TRUE(Allowed(function, "dynamodb:ListTables", "*"));
  EXPECT_FALSE(Allowed(function, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/other"));
  EXPECT_FALSE(
      Allowed(function, "execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs"));
  EXPECT_FALSE(Allowed(function, "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  // Making the roles explicit kept the administrator's rights and the invoke role.
  EXPECT_TRUE(UserAllowed("jobstream-admin", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  EXPECT_TRUE(keys_->FindRole(iam::kInvokeRoleName).has_value());
  // No per-function user is made any more.
  EXPECT_FALSE(keys_->FindUser("function.resize").has_value());
}

TEST_F(FunctionIdentityTest, EachMintIsANewKeyAndTheRolesMaximumCapsTheLifetime) {
  ASSERT_TRUE(EnsureFunctionRole(*keys_, account_, kDefaultFunctionRoleName, "resize").ok());
  auto first = AssumeFunctionRole(*keys_, tokens_, kDefaultFunctionRoleName, "resize", seconds(20), now_);
  auto second = AssumeFunctionRole(*keys_, tokens_, kDefaultFunctionRoleName, "resize", seconds(43200), now_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->temporary.credential.access_key_id, second->temporary.credential.access_key_id);
  EXPECT_EQ(first->temporary.session.expiration, now_ + seconds(20));
  EXPECT_EQ(second->temporary.session.expiration, now_ + seconds(iam::kDefaultMaxSessionSeconds));
}

TEST_F(FunctionIdentityTest, ANamedRoleMustExistAndTrustLambda) {
  Status missing = EnsureFunctionRole(*keys_, account_, "no-such-role", "resize");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("function resize: its role no-such-role does not exist"), std::string::npos)
      << missing.message();
  EXPECT_FALSE(keys_->FindRole("no-such-role").has_value());
  // JobsAPIInvokeRole trusts the account's users, not the Lambda service.
  Status untrusting = EnsureFunctionRole(*keys_, account_, iam::kInvokeRoleName, "resize");
  EXPECT_FALSE(untrusting.ok());
  EXPECT_NE(untrusting.message().find("does not trust the Lambda service"), std::string::npos);
  EXPECT_FALSE(AssumeFunctionRole(*keys_, tokens_, iam::kInvokeRoleName, "resize", seconds(3600), now_).ok());
  auto gone = AssumeFunctionRole(*keys_, tokens_, "no-such-role", "resize", seconds(3600), now_);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), StatusCode::kNotFound);
}

TEST_F(FunctionIdentityTest, AFunctionUserKeptFromBeforeLosesItsImplicitFullRights) {
  // A function's key made by an earlier version: in a file without users, full rights.
  ASSERT_TRUE(keys_->Create("function.old").ok());
  EXPECT_TRUE(UserAllowed("function.old", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  ASSERT_TRUE(RetireLegacyFunctionUser(*keys_, "old").ok());
  EXPECT_FALSE(UserAllowed("function.old", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  EXPECT_TRUE(UserAllowed("jobstream-admin", "iam:CreateUser", "arn:aws:iam::123456789012:user/x"));
  EXPECT_TRUE(RetireLegacyFunctionUser(*keys_, "never-had-one").ok());
}

}  // namespace
}  // namespace jobstream::auth
