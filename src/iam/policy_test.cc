#include "iam/policy.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::iam {
namespace {

constexpr std::string_view kPost = "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs";
constexpr std::string_view kGet = "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/GET/jobs/abc";
constexpr std::string_view kPut = "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/PUT/consumers/c1";

Policy MustParse(std::string_view text, PolicyKind kind = PolicyKind::kIdentity) {
  auto policy = Policy::Parse(text, kind);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().message());
  return policy.ok() ? std::move(policy).value() : Policy();
}

std::string ParseError(std::string_view text, PolicyKind kind = PolicyKind::kIdentity) {
  auto policy = Policy::Parse(text, kind);
  return policy.ok() ? "(parsed)" : policy.error().message();
}

AccessRequest Invoke(std::string_view resource) { return {"execute-api:Invoke", resource, "", ""}; }

const Policy& InvokeRole() {
  static const Policy kPolicy = MustParse(R"({"Version": "2012-10-17", "Statement": [{
      "Effect": "Allow", "Action": "execute-api:Invoke",
      "Resource": ["arn:aws:execute-api:*:*:*/*/POST/jobs", "arn:aws:execute-api:*:*:*/*/GET/jobs/*"]}]})");
  return kPolicy;
}

TEST(PolicyTest, WildcardsInResourcesSelectRoutes) {
  EXPECT_EQ(Decision::kAllow, InvokeRole().Evaluate(Invoke(kPost)));
  EXPECT_EQ(Decision::kAllow, InvokeRole().Evaluate(Invoke(kGet)));
  EXPECT_EQ(Decision::kImplicitDeny, InvokeRole().Evaluate(Invoke(kPut)));
  EXPECT_EQ(Decision::kImplicitDeny, InvokeRole().Evaluate({"execute-api:ManageConnections", kPost, "", ""}));
}

TEST(PolicyTest, ActionsMatchCaseInsensitivelyResourcesDoNot) {
  Policy policy = MustParse(R"({"Statement": {"Effect": "Allow", "Action": "EXECUTE-API:invoke",
                                "Resource": "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs"}})");
  EXPECT_EQ(Decision::kAllow, policy.Evaluate(Invoke(kPost)));
  EXPECT_EQ(Decision::kImplicitDeny,
            policy.Evaluate(Invoke("arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/post/jobs")));
}

TEST(PolicyTest, QuestionMarkMatchesOneCharacter) {
  Policy policy =
      MustParse(R"({"Statement": {"Effect": "Allow", "Action": "jobstream:?etConsumer", "Resource": "*"}})");
  EXPECT_EQ(Decision::kAllow, policy.Evaluate({"jobstream:GetConsumer", "x", "", ""}));
  EXPECT_EQ(Decision::kImplicitDeny, policy.Evaluate({"jobstream:PutConsumers", "x", "", ""}));
}

TEST(PolicyTest, ExplicitDenyWinsOverAnyAllow) {
  Policy allow_all = MustParse(R"({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})");
  Policy deny_put = MustParse(R"({"Statement": [
      {"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Deny", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:*/*/PUT/*"}]})");
  EXPECT_EQ(Decision::kExplicitDeny, deny_put.Evaluate(Invoke(kPut)));
  EXPECT_EQ(Decision::kAllow, deny_put.Evaluate(Invoke(kPost)));
  EXPECT_FALSE(IsAllowed({&allow_all, &deny_put}, nullptr, Invoke(kPut)));
  EXPECT_TRUE(IsAllowed({&allow_all, &deny_put}, nullptr, Invoke(kGet)));
}

TEST(PolicyTest, DenyByDefault) {
  EXPECT_FALSE(IsAllowed({}, nullptr, Invoke(kPost)));
  Policy other = MustParse(R"({"Statement": {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}})");
  EXPECT_FALSE(IsAllowed({&other}, nullptr, Invoke(kPost)));
}

TEST(PolicyTest, NotActionAllowsEverythingButTheListed) {
  Policy policy = MustParse(R"({"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "jobstream:Put*"],
                                "Resource": "*"}})");
  EXPECT_EQ(Decision::kAllow, policy.Evaluate(Invoke(kPut)));
  EXPECT_EQ(Decision::kImplicitDeny, policy.Evaluate({"iam:CreateUser", "*", "", ""}));
  EXPECT_EQ(Decision::kImplicitDeny, policy.Evaluate({"jobstream:PutConsumer", "*", "", ""}));
}

TEST(PolicyTest, DenyWithNotResourceDeniesEverywhereElse) {
  Policy policy = MustParse(R"({"Statement": [
      {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
      {"Effect": "Deny", "Action": "execute-api:Invoke", "NotResource": "arn:aws:execute-api:*:*:*/*/*/jobs*"}]})");
  EXPECT_EQ(Decision::kAllow, policy.Evaluate(Invoke(kPost)));
  EXPECT_EQ(Decision::kAllow, policy.Evaluate(Invoke(kGet)));
  EXPECT_EQ(Decision::kExplicitDeny, policy.Evaluate(Invoke(kPut)));
}

TEST(PolicyTest, SessionPolicyNarrowsButNeverWidens) {
  Policy admin = MustParse(R"({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})");
  Policy only_get = MustParse(R"({"Statement": {"Effect": "Allow", "Action": "execute-api:Invoke",
                                  "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"}})");
  EXPECT_TRUE(IsAllowed({&admin}, &only_get, Invoke(kGet)));
  EXPECT_FALSE(IsAllowed({&admin}, &only_get, Invoke(kPost)));
  // The session policy allows PUT, the role does not: still denied.
  EXPECT_FALSE(IsAllowed({&InvokeRole()}, &admin, Invoke(kPut)));
  EXPECT_TRUE(IsAllowed({&InvokeRole()}, &admin, Invoke(kPost)));
  EXPECT_FALSE(IsAllowed({&InvokeRole()}, &only_get, Invoke(kPost)));
}

TEST(PolicyTest, TrustPolicyMatchesPrincipalsAndTheirAccount) {
  Policy trust = MustParse(R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}})",
                           PolicyKind::kTrust);
  AccessRequest request{"sts:AssumeRole", "", "arn:aws:iam::123456789012:user/alice", "123456789012"};
  EXPECT_EQ(Decision::kAllow, trust.Evaluate(request));
  request.account_id = "999999999999";
  request.principal_arn = "arn:aws:iam::999999999999:user/alice";
  EXPECT_EQ(Decision::kImplicitDeny, trust.Evaluate(request));
  Policy alice_only = MustParse(R"({"Statement": {"Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::123456789012:user/alice"]}, "Action": "sts:AssumeRole"}})",
                                PolicyKind::kTrust);
  EXPECT_EQ(Decision::kAllow,
            alice_only.Evaluate({"sts:AssumeRole", "", "arn:aws:iam::123456789012:user/alice", "123456789012"}));
  EXPECT_EQ(Decision::kImplicitDeny,
            alice_only.Evaluate({"sts:AssumeRole", "", "arn:aws:iam::123456789012:user/bob", "123456789012"}));
}

TEST(PolicyTest, ServicePrincipalMatchesOnlyThatService) {
  Policy lambda = MustParse(R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
      "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}})",
                            PolicyKind::kTrust);
  EXPECT_EQ(Decision::kAllow, lambda.Evaluate({"sts:AssumeRole", "", "lambda.amazonaws.com", ""}));
  EXPECT_EQ(Decision::kImplicitDeny, lambda.Evaluate({"sts:AssumeRole", "", "events.amazonaws.com", ""}));
  // No user of the account may assume a role only a service is trusted with.
  EXPECT_EQ(Decision::kImplicitDeny,
            lambda.Evaluate({"sts:AssumeRole", "", "arn:aws:iam::123456789012:user/alice", "123456789012"}));
  EXPECT_EQ(R"(Invalid principal in policy: "SERVICE":"lambda")",
            ParseError(R"({"Statement": {"Effect": "Allow", "Principal": {"Service": "lambda"},
                           "Action": "sts:AssumeRole"}})",
                       PolicyKind::kTrust));
  EXPECT_EQ(
      "Principal type Federated is not supported by jobstream yet",
      ParseError(R"({"Statement": {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                           "Action": "sts:AssumeRole"}})",
                 PolicyKind::kTrust));
}

TEST(PolicyTest, MalformedDocumentsGetIamsMessages) {
  EXPECT_EQ("Syntax errors in policy.", ParseError("{"));
  EXPECT_EQ("Syntax errors in policy.", ParseError("[]"));
  EXPECT_EQ("Syntax errors in policy.", ParseError(R"({"Version": "2012-10-17"})"));
  EXPECT_EQ("Syntax errors in policy.", ParseError(R"({"Statement": []})"));
  EXPECT_EQ("Syntax errors in policy.",
            ParseError(R"({"Statement": {"Effect": "allow", "Action": "a:b", "Resource": "*"}})"));
  EXPECT_EQ("Syntax errors in policy.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Foo": 1}})"));
  EXPECT_EQ("Syntax errors in policy.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}})"));
  EXPECT_EQ("Syntax errors in policy.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "c:d", "Resource": "*"}})"));
  EXPECT_EQ(
      "The policy failed legacy parsing",
      ParseError(R"({"Version": "2012-10-18", "Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*"}})"));
  EXPECT_EQ("Missing required field Effect", ParseError(R"({"Statement": {"Action": "a:b", "Resource": "*"}})"));
  EXPECT_EQ("Policy statement must contain actions.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Resource": "*"}})"));
  EXPECT_EQ("Policy statement must contain resources.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "a:b"}})"));
  EXPECT_EQ("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "Invoke", "Resource": "*"}})"));
  EXPECT_EQ("Resource jobs must be in ARN format or \"*\".",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "jobs"}})"));
  EXPECT_EQ("Policy document should not specify a principal.",
            ParseError(R"({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "*"}})"));
  EXPECT_EQ("Missing required field Principal",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}})", PolicyKind::kTrust));
  EXPECT_EQ("Has prohibited field Resource",
            ParseError(R"({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                           "Resource": "*"}})",
                       PolicyKind::kTrust));
  EXPECT_EQ("Condition is not supported by jobstream yet",
            ParseError(R"({"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {}}})"));
  EXPECT_NE("(parsed)", ParseError(std::string(kMaxPolicyDocumentLength + 1, ' ')));
  // Nesting beyond a policy's shape is refused by the parser, not by recursion depth.
  EXPECT_EQ("Syntax errors in policy.", ParseError(std::string(1000, '[') + std::string(1000, ']')));
}

}  // namespace
}  // namespace jobstream::iam
