#include "iam_api/iam_api.h"

#include <gtest/gtest.h>

#include "auth/sigv4_canonical.h"
#include "testing/temp_dir.h"

namespace jobstream::iam_api {
namespace {

constexpr std::string_view kAccount = "123456789012";

class IamApiTest : public ::testing::Test {
 protected:
  IamApiTest() { admin_key_ = keys_->Create("jobstream-admin")->access_key_id; }

  static std::unique_ptr<auth::KeyFile> OpenKeys(const std::filesystem::path& dir) {
    auth::KeyFileOptions options;
    options.create = true;
    options.account_id = std::string(kAccount);
    return std::move(auth::KeyFile::Open(dir, options)).value();
  }

  http::Response Call(const std::string& form, const std::string& user = "jobstream-admin") {
    http::Request request{boost::beast::http::verb::post, "/", 11};
    request.body() = form + "&Version=2010-05-08";
    auth::Principal principal;
    principal.user_name = user;
    principal.service = "iam";
    return api_.Handle(principal, request, std::chrono::system_clock::now());
  }

  testing::TempDir dir_;
  // Declared in the order they are built: each needs the one before.
  std::unique_ptr<auth::KeyFile> keys_ = OpenKeys(dir_.path());
  auth::Authorizer authorizer_{*keys_, std::string(kAccount)};
  IamApi api_{authorizer_, *keys_};
  std::string admin_key_;
};

TEST_F(IamApiTest, CreatedUserIsPersistedAndListed) {
  EXPECT_EQ(Call("Action=CreateUser&UserName=alice").status, 200u);
  auto reopened = auth::KeyFile::Open(dir_.path(), {});
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->FindUser("alice"));
  EXPECT_NE(Call("Action=ListUsers").body.find("<UserName>alice</UserName>"), std::string::npos);
  EXPECT_EQ(Call("Action=CreateUser&UserName=alice").status, 409u);
}

TEST_F(IamApiTest, ThirdAccessKeyExceedsTheQuota) {
  Call("Action=CreateUser&UserName=bob");
  EXPECT_EQ(Call("Action=CreateAccessKey&UserName=bob").status, 200u);
  EXPECT_EQ(Call("Action=CreateAccessKey&UserName=bob").status, 200u);
  http::Response third = Call("Action=CreateAccessKey&UserName=bob");
  EXPECT_EQ(third.status, 409u);
  EXPECT_NE(third.body.find("<Code>LimitExceeded</Code>"), std::string::npos);
}

TEST_F(IamApiTest, InactiveKeyIsNoLongerFoundActive) {
  EXPECT_EQ(Call("Action=UpdateAccessKey&AccessKeyId=" + admin_key_ + "&Status=Inactive").status, 200u);
  EXPECT_FALSE(keys_->Find(admin_key_)->active);
}

TEST_F(IamApiTest, UserWithKeysCannotBeDeleted) {
  Call("Action=CreateUser&UserName=carol");
  Call("Action=CreateAccessKey&UserName=carol");
  http::Response refused = Call("Action=DeleteUser&UserName=carol");
  EXPECT_EQ(refused.status, 409u);
  EXPECT_NE(refused.body.find("DeleteConflict"), std::string::npos);
}

TEST_F(IamApiTest, UserWithoutPolicyIsDeniedWithIamsMessage) {
  Call("Action=CreateUser&UserName=dave");
  http::Response denied = Call("Action=CreateUser&UserName=x", "dave");
  EXPECT_EQ(denied.status, 403u);
  EXPECT_NE(denied.body.find("User: arn:aws:iam::123456789012:user/dave is not authorized to perform: "
                             "iam:CreateUser on resource: arn:aws:iam::123456789012:user/x"),
            std::string::npos)
      << denied.body;
}

TEST_F(IamApiTest, NamesOutsideIamsPatternAreValidationErrors) {
  EXPECT_EQ(Call("Action=CreateUser&UserName=a%2Fb").status, 400u);
  EXPECT_EQ(Call("Action=CreateUser&UserName=" + std::string(65, 'a')).status, 400u);
  EXPECT_EQ(Call("Action=CreateUser&UserName=" + std::string(64, 'a')).status, 200u);
}

TEST_F(IamApiTest, MalformedPolicyIsRefusedAndStoredPolicyIsUrlEncoded) {
  Call("Action=CreateUser&UserName=erin");
  http::Response bad = Call("Action=PutUserPolicy&UserName=erin&PolicyName=p&PolicyDocument=%7Bnope");
  EXPECT_NE(bad.body.find("MalformedPolicyDocument"), std::string::npos);
  std::string doc =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]})";
  std::string encoded = auth::UriEncode(doc);
  EXPECT_EQ(Call("Action=PutUserPolicy&UserName=erin&PolicyName=p&PolicyDocument=" + encoded).status, 200u);
  EXPECT_NE(Call("Action=GetUserPolicy&UserName=erin&PolicyName=p").body.find("%7B%22Version%22"), std::string::npos);
  EXPECT_EQ(Call("Action=GetUser&UserName=jobstream-admin", "erin").status, 200u);
}

TEST_F(IamApiTest, UnknownActionIsInvalidAction) {
  http::Response response = Call("Action=CreateGroup");
  EXPECT_EQ(response.status, 400u);
  EXPECT_NE(response.body.find("<Code>InvalidAction</Code>"), std::string::npos);
}

TEST_F(IamApiTest, DefaultRoleIsListedAndDeletedRoleDisappears) {
  EXPECT_NE(Call("Action=ListRoles").body.find("JobsAPIInvokeRole"), std::string::npos);
  std::string trust =
      "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
      "%22Principal%22%3A%7B%22AWS%22%3A%22*%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
  EXPECT_EQ(Call("Action=CreateRole&RoleName=r1&MaxSessionDuration=7200&AssumeRolePolicyDocument=" + trust).status,
            200u);
  EXPECT_EQ(keys_->FindRole("r1")->max_session_duration, 7200);
  EXPECT_EQ(Call("Action=DeleteRole&RoleName=r1").status, 200u);
  EXPECT_EQ(Call("Action=GetRole&RoleName=r1").status, 404u);
}

}  // namespace
}  // namespace jobstream::iam_api
