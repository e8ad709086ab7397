#include "iam_api/iam_api.h"

#include <algorithm>
#include <array>

#include "api/route_table.h"
#include "auth/sigv4_canonical.h"
#include "iam/identity.h"
#include "iam_api/iam_operations.h"

namespace jobstream::iam_api {
namespace {

constexpr std::string_view kNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
constexpr std::string_view kVersion = "2010-05-08";

// Which identity an operation acts on, for its authorization: the user or role its name
// parameter gives (the caller itself where IAM lets UserName default to it), or every user or
// role for the List operations.
enum class Target { kUser, kUserOrCaller, kRole, kKeyOwner };

struct Operation {
  std::string_view name;
  Target target;
  Answer (*run)(const Call& call, std::string_view caller);
};

template <Answer (*F)(const Call&)>
Answer IgnoringCaller(const Call& call, std::string_view /*caller*/) {
  return F(call);
}

constexpr std::array kOperations = {
    Operation{"CreateUser", Target::kUser, IgnoringCaller<CreateUser>},
    Operation{"GetUser", Target::kUserOrCaller, GetUser},
    Operation{"ListUsers", Target::kUser, IgnoringCaller<ListUsers>},
    Operation{"DeleteUser", Target::kUser, IgnoringCaller<DeleteUser>},
    Operation{"CreateAccessKey", Target::kUserOrCaller, CreateAccessKey},
    Operation{"ListAccessKeys", Target::kUserOrCaller, ListAccessKeys},
    Operation{"UpdateAccessKey", Target::kUserOrCaller, UpdateAccessKey},
    Operation{"DeleteAccessKey", Target::kUserOrCaller, DeleteAccessKey},
    Operation{"GetAccessKeyLastUsed", Target::kKeyOwner, IgnoringCaller<GetAccessKeyLastUsed>},
    Operation{"PutUserPolicy", Target::kUser, IgnoringCaller<PutUserPolicy>},
    Operation{"GetUserPolicy", Target::kUser, IgnoringCaller<GetUserPolicy>},
    Operation{"DeleteUserPolicy", Target::kUser, IgnoringCaller<DeleteUserPolicy>},
    Operation{"CreateRole", Target::kRole, IgnoringCaller<CreateRole>},
    Operation{"GetRole", Target::kRole, IgnoringCaller<GetRole>},
    Operation{"ListRoles", Target::kRole, IgnoringCaller<ListRoles>},
    Operation{"DeleteRole", Target::kRole, IgnoringCaller<DeleteRole>},
    Operation{"PutRolePolicy", Target::kRole, IgnoringCaller<PutRolePolicy>},
    Operation{"GetRolePolicy", Target::kRole, IgnoringCaller<GetRolePolicy>},
    Operation{"DeleteRolePolicy", Target::kRole, IgnoringCaller<DeleteRolePolicy>},
};

// The ARN iam:<Operation> is authorized on (IAM's: the List operations name "user/" and "role/").
std::string ResourceOf(const Operation& operation, const Call& call, std::string_view caller) {
  const std::string* name = nullptr;
  switch (operation.target) {
    case Target::kRole:
      name = aws_query::Find(call.params, "RoleName");
      return iam::RoleArn(call.account, name == nullptr ? "" : *name);
    case Target::kKeyOwner:
      if (const std::string* key_id = aws_query::Find(call.params, "AccessKeyId")) {
        if (auto key = call.identities.Find(*key_id)) return iam::UserArn(call.account, key->user_name);
      }
      return iam::UserArn(call.account, "");
    case Target::kUserOrCaller:
      name = aws_query::Find(call.params, "UserName");
      return iam::UserArn(call.account, name == nullptr ? caller : std::string_view(*name));
    case Target::kUser:
      break;
  }
  name = aws_query::Find(call.params, "UserName");
  return iam::UserArn(call.account, name == nullptr ? "" : *name);
}

const Operation* FindOperation(std::string_view name) {
  const auto* found =
      std::find_if(kOperations.begin(), kOperations.end(), [&](const Operation& known) { return known.name == name; });
  return found == kOperations.end() ? nullptr : found;
}

}  // namespace

Outcome RunAsOperator(auth::KeyFile& identities, const std::string& account_id, const aws_query::Parameters& params) {
  const std::string* action = aws_query::Find(params, "Action");
  const Operation* operation = action == nullptr ? nullptr : FindOperation(*action);
  if (operation == nullptr) return Error(400, "InvalidAction", "Could not find operation");
  return operation->run(Call{params, identities, account_id, std::chrono::system_clock::now()}, "");
}

Answer NoSuchEntity(std::string message) { return Error(404, "NoSuchEntity", std::move(message)); }

Answer InvalidParameter(std::string_view value, std::string_view member, std::string_view constraint) {
  return Error(400, "ValidationError", aws_query::ValidationMessage(value, member, constraint));
}

std::optional<std::string> RequiredName(const Call& call, std::string_view parameter, std::string_view member,
                                        std::size_t max_length, Answer* failure) {
  const std::string* value = aws_query::Find(call.params, parameter);
  if (value == nullptr) {
    *failure = InvalidParameter("null", member, "Member must not be null");
    return std::nullopt;
  }
  if (value->empty() || value->size() > max_length) {
    *failure = InvalidParameter(*value, member,
                                value->empty()
                                    ? "Member must have length greater than or equal to 1"
                                    : "Member must have length less than or equal to " + std::to_string(max_length));
    return std::nullopt;
  }
  // IAM's pattern for names: [\w+=,.@-]+.
  auto name_character = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  };
  if (!std::all_of(value->begin(), value->end(), name_character)) {
    *failure = InvalidParameter(*value, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    return std::nullopt;
  }
  return *value;
}

Answer Change(const Call& call, const std::function<std::optional<Answer>(auth::KeyFileContents&)>& change,
              std::string result) {
  std::optional<Answer> refusal;
  Status status = call.identities.Update([&](auth::KeyFileContents& contents) {
    refusal = change(contents);
    // Any error aborts the update; the refusal itself is what the caller gets.
    return refusal ? Status::InvalidArgument("refused") : Status::Ok();
  });
  if (refusal) return *refusal;
  if (!status.ok()) return Error(500, "ServiceFailure", "The identities could not be saved.");
  return Ok(std::move(result));
}

std::string EncodedDocument(std::string_view document) { return auth::UriEncode(document); }

http::Response IamErrorResponse(unsigned status, std::string_view code, std::string_view message,
                                std::string_view request_id) {
  return aws_query::XmlErrorResponse(kNamespace, status, code, message, request_id);
}

http::Response IamApi::Handle(const auth::Principal& principal, const http::Request& request,
                              std::chrono::system_clock::time_point now) const {
  const std::string request_id(request["x-amzn-RequestId"]);
  const auto params = aws_query::ParametersOf(request);
  const std::string* action = aws_query::Find(params, "Action");
  if (action == nullptr) return IamErrorResponse(400, "MissingAction", "Missing Action", request_id);
  const std::string* version = aws_query::Find(params, "Version");
  const Operation* operation = FindOperation(*action);
  if (operation == nullptr || (version != nullptr && *version != kVersion)) {
    return IamErrorResponse(400, "InvalidAction",
                            "Could not find operation " + *action + " for version " +
                                (version == nullptr ? std::string(kVersion) : *version),
                            request_id);
  }
  const Call call{params, identities_, authorizer_.account_id(), now, last_use_};
  // A role session has no user of its own to default UserName to.
  const bool role_session = principal.session && !principal.session->role_name.empty();
  if (operation->target == Target::kUserOrCaller && role_session && aws_query::Find(params, "UserName") == nullptr) {
    return IamErrorResponse(400, "ValidationError", "Must specify userName when calling with non-User credentials",
                            request_id);
  }
  const auto needed = api::IamAuthorizationFor(operation->name, ResourceOf(*operation, call, principal.user_name));
  if (!authorizer_.Allows(principal, needed.action, needed.resource)) {
    return IamErrorResponse(403, "AccessDenied",
                            auth::NotAuthorizedMessage(authorizer_.ArnOf(principal), needed.action, needed.resource),
                            request_id);
  }
  Answer answer = operation->run(call, principal.user_name);
  if (!answer.error_code.empty()) return IamErrorResponse(answer.status, answer.error_code, answer.text, request_id);
  return aws_query::XmlResponse(kNamespace, *action, answer.text, request_id);
}

}  // namespace jobstream::iam_api
