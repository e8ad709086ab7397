#include "sts/sts_api.h"

#include <algorithm>
#include <map>

#include "auth/key_file.h"
#include "auth/sigv4_canonical.h"
#include "auth/sigv4_time.h"
#include "auth/temporary_credentials.h"
#include "aws_query/query_protocol.h"
#include "iam/identity.h"
#include "iam/policy.h"

namespace jobstream::sts {
namespace {

constexpr std::string_view kNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr std::size_t kMaxSessionPolicyLength = 2048;
constexpr int kMaxGetSessionTokenSeconds = 129600;
constexpr int kDefaultGetSessionTokenSeconds = 43200;
constexpr int kRoleChainingMaxSeconds = 3600;

using aws_query::Element;
using aws_query::Find;
using aws_query::ValidationMessage;

http::Response XmlResponse(std::string_view action, const std::string& result, std::string_view request_id) {
  return aws_query::XmlResponse(kNamespace, action, result, request_id);
}

// RoleSessionName: [\w+=,.@-]{2,64}.
bool ValidSessionName(std::string_view name) {
  return name.size() >= 2 && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  std::string_view("_+=,.@-").find(c) != std::string_view::npos;
         });
}

struct Failure {
  unsigned status;
  std::string code;
  std::string message;
};

// DurationSeconds: absent → fallback; otherwise an integer within [low, high].
std::variant<int, Failure> Duration(const std::string* text, int fallback, int low, int high) {
  if (text == nullptr) return fallback;
  int value = 0;
  bool digits = !text->empty() && text->size() <= 9 &&
                std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) value = std::stoi(*text);
  if (!digits) return Failure{400, "ValidationError", "Invalid value for parameter DurationSeconds: " + *text};
  if (value < low) {
    return Failure{400, "ValidationError",
                   ValidationMessage(*text, "durationSeconds",
                                     "Member must have value greater than or equal to " + std::to_string(low))};
  }
  if (value > high) {
    return Failure{400, "ValidationError",
                   ValidationMessage(*text, "durationSeconds",
                                     "Member must have value less than or equal to " + std::to_string(high))};
  }
  return value;
}

}  // namespace

http::Response StsErrorResponse(unsigned status, std::string_view code, std::string_view message,
                                std::string_view request_id) {
  return aws_query::XmlErrorResponse(kNamespace, status, code, message, request_id);
}

http::Response StsApi::Handle(const auth::Principal& principal, const http::Request& request,
                              std::chrono::system_clock::time_point now) const {
  const std::string request_id(request["x-amzn-RequestId"]);
  auto fail = [&request_id](const Failure& failure) {
    return StsErrorResponse(failure.status, failure.code, failure.message, request_id);
  };
  const auto parameters = aws_query::ParametersOf(request);
  const std::string* action = Find(parameters, "Action");
  if (action == nullptr) return fail({400, "MissingAction", "Missing Action"});
  const std::string caller_arn = authorizer_.ArnOf(principal);
  const std::string& account = authorizer_.account_id();

  if (*action == "GetCallerIdentity") {
    return XmlResponse(
        *action,
        Element("Arn", caller_arn) + Element("UserId", authorizer_.UserIdOf(principal)) + Element("Account", account),
        request_id);
  }

  // Temporary credentials for the caller: a role's (AssumeRole) or its own (GetSessionToken).
  auth::SessionContext session;
  std::string result_prefix;
  if (*action == "AssumeRole") {
    const std::string* role_arn = Find(parameters, "RoleArn");
    const std::string* session_name = Find(parameters, "RoleSessionName");
    if (role_arn == nullptr) {
      return fail({400, "ValidationError", ValidationMessage("null", "roleArn", "Member must not be null")});
    }
    if (session_name == nullptr) {
      return fail({400, "ValidationError", ValidationMessage("null", "roleSessionName", "Member must not be null")});
    }
    if (!ValidSessionName(*session_name)) {
      return fail({400, "ValidationError",
                   ValidationMessage(*session_name, "roleSessionName",
                                     "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}")});
    }
    std::string role_prefix = iam::RoleArn(account, "");
    std::optional<iam::Role> role;
    if (role_arn->starts_with(role_prefix))
      role = authorizer_.identities().FindRole(role_arn->substr(role_prefix.size()));
    // Trust policy and the caller's own policies: both must allow (AWS answers a role that does
    // not exist the same way, so its existence does not leak).
    iam::AccessRequest assume{"sts:AssumeRole", *role_arn, caller_arn, account};
    if (!role || role->trust_policy->Evaluate(assume) != iam::Decision::kAllow ||
        !authorizer_.Allows(principal, "sts:AssumeRole", *role_arn)) {
      return fail({403, "AccessDenied", auth::NotAuthorizedMessage(caller_arn, "sts:AssumeRole", *role_arn)});
    }
    bool chaining = principal.session && !principal.session->role_name.empty();
    auto duration = Duration(Find(parameters, "DurationSeconds"), iam::kDefaultMaxSessionSeconds,
                             iam::kMinSessionSeconds, iam::kMaxSessionSeconds);
    if (auto* failure = std::get_if<Failure>(&duration)) return fail(*failure);
    int seconds = std::get<int>(duration);
    if (seconds > role->max_session_duration || (chaining && seconds > kRoleChainingMaxSeconds)) {
      return fail(
          {400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."});
    }
    std::string session_policy;
    if (const std::string* policy = Find(parameters, "Policy")) {
      if (policy->size() > kMaxSessionPolicyLength) {
        return fail({400, "ValidationError",
                     ValidationMessage("(policy)", "policy", "Member must have length less than or equal to 2048")});
      }
      auto parsed = iam::Policy::Parse(*policy);
      if (!parsed.ok()) return fail({400, std::string(iam::kMalformedPolicyDocument), parsed.error().message()});
      session_policy = *policy;
    }
    session = {role->name, *session_name, session_policy, now + std::chrono::seconds(seconds)};
    std::string assumed_arn = iam::AssumedRoleArn(account, role->name, *session_name);
    result_prefix = "<AssumedRoleUser>" + Element("Arn", assumed_arn) +
                    Element("AssumedRoleId", role->id + ":" + *session_name) + "</AssumedRoleUser>";
    if (!session_policy.empty()) {
      result_prefix +=
          Element("PackedPolicySize", std::to_string(session_policy.size() * 100 / kMaxSessionPolicyLength));
    }
  } else if (*action == "GetSessionToken") {
    if (principal.session) {
      return fail({403, "AccessDenied", "Cannot call GetSessionToken with session credentials"});
    }
    auto duration = Duration(Find(parameters, "DurationSeconds"), kDefaultGetSessionTokenSeconds,
                             iam::kMinSessionSeconds, kMaxGetSessionTokenSeconds);
    if (auto* failure = std::get_if<Failure>(&duration)) return fail(*failure);
    session = {"", "", "", now + std::chrono::seconds(std::get<int>(duration))};
  } else {
    return fail({400, "InvalidAction", "Could not find operation " + *action + " for version 2011-06-15"});
  }

  // A role session stays tied to the user who began it (the user of a role chain's first link).
  auto issued = auth::IssueTemporaryCredentials(tokens_, principal.user_name, session, now);
  if (!issued.ok()) return fail({500, "InternalFailure", "Internal server error"});
  const auth::Credential& key = issued->temporary.credential;
  std::string credentials = "<Credentials>" + Element("AccessKeyId", key.access_key_id) +
                            Element("SecretAccessKey", key.secret_access_key) +
                            Element("SessionToken", issued->session_token) +
                            Element("Expiration", auth::FormatIso8601(session.expiration)) + "</Credentials>";
  // AssumeRole's model lists Credentials first; the order of elements does not matter to parsers.
  return XmlResponse(*action, credentials + result_prefix, request_id);
}

}  // namespace jobstream::sts
