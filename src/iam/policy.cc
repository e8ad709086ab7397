#include "iam/policy.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "iam/wildcard.h"

namespace jobstream::iam {
namespace {

namespace json = boost::json;

Status Malformed(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status SyntaxError() { return Malformed("Syntax errors in policy."); }

bool Is(const json::value& value, std::string_view text) { return value.is_string() && value.get_string() == text; }

bool IsVendorChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// A string or a non-empty array of strings, as IAM writes every list element.
Result<std::vector<std::string>> StringList(const json::value& value) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.emplace_back(value.get_string());
    return out;
  }
  if (!value.is_array() || value.get_array().empty()) return SyntaxError();
  for (const json::value& item : value.get_array()) {
    if (!item.is_string()) return SyntaxError();
    out.emplace_back(item.get_string());
  }
  return out;
}

Status CheckAction(std::string_view action) {
  if (action == "*") return Status::Ok();
  std::size_t colon = action.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == action.size() ||
      !std::all_of(action.begin(), action.begin() + static_cast<std::ptrdiff_t>(colon), IsVendorChar)) {
    return Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  return Status::Ok();
}

Status CheckResource(std::string_view resource) {
  // arn:partition:service:region:account:resource, the resource part possibly holding more colons.
  if (resource == "*" || (resource.starts_with("arn:") && std::count(resource.begin(), resource.end(), ':') >= 5)) {
    return Status::Ok();
  }
  return Malformed("Resource " + std::string(resource) + " must be in ARN format or \"*\".");
}

// "*", an account id, or an IAM/STS ARN: what a trust policy's "AWS" principal may be.
Status CheckPrincipal(std::string_view principal) {
  bool account = principal.size() == 12 &&
                 std::all_of(principal.begin(), principal.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (principal == "*" || account || principal.starts_with("arn:aws:iam::") || principal.starts_with("arn:aws:sts::")) {
    return Status::Ok();
  }
  return Malformed(R"(Invalid principal in policy: "AWS":")" + std::string(principal) + "\"");
}

// A service principal as IAM writes one ("lambda.amazonaws.com"): the only kind a role can be
// assumed by on a service's behalf (a function's execution role).
Status CheckServicePrincipal(std::string_view service) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  bool valid = service.size() > kSuffix.size() && service.size() <= 128 && service.ends_with(kSuffix) &&
               std::all_of(service.begin(), service.end(), [](char c) {
                 return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
               });
  if (valid) return Status::Ok();
  return Malformed(R"(Invalid principal in policy: "SERVICE":")" + std::string(service) + "\"");
}

Result<std::vector<std::string>> ParsePrincipal(const json::value& value) {
  if (value.is_string()) {
    if (!Is(value, "*")) return SyntaxError();
    return std::vector<std::string>{"*"};
  }
  const json::object* object = value.if_object();
  if (object == nullptr || object->empty()) return SyntaxError();
  std::vector<std::string> principals;
  for (const auto& [type, list] : *object) {
    // Federated principals have no caller here that could match them; refusing them says so
    // instead of silently never matching. A service principal is kept as its name, which no
    // AWS principal (an ARN, an account id or "*") can equal.
    if (type != "AWS" && type != "Service") {
      return Malformed("Principal type " + std::string(type) + " is not supported by jobstream yet");
    }
    auto names = StringList(list);
    if (!names.ok()) return names.error();
    for (std::string& name : *names) {
      Status status = type == "AWS" ? CheckPrincipal(name) : CheckServicePrincipal(name);
      if (!status.ok()) return status;
      principals.push_back(std::move(name));
    }
  }
  return principals;
}

Result<Statement> ParseStatement(const json::value& value, PolicyKind kind) {
  const json::object* object = value.if_object();
  if (object == nullptr) return SyntaxError();
  Statement statement;
  bool has_effect = false;
  bool has_action = false;
  bool has_resource = false;
  bool has_principal = false;
  for (const auto& [key, field] : *object) {
    if (key == "Sid") {
      if (!field.is_string()) return SyntaxError();
    } else if (key == "Effect") {
      if (Is(field, "Allow")) {
        statement.effect = Effect::kAllow;
      } else if (Is(field, "Deny")) {
        statement.effect = Effect::kDeny;
      } else {
        return SyntaxError();
      }
      has_effect = true;
    } else if (key == "Action" || key == "NotAction") {
      if (has_action) return SyntaxError();  // both Action and NotAction
      auto actions = StringList(field);
      if (!actions.ok()) return actions.error();
      for (const std::string& action : *actions) {
        if (Status status = CheckAction(action); !status.ok()) return status;
      }
      statement.not_action = key == "NotAction";
      statement.actions = std::move(*actions);
      has_action = true;
    } else if (key == "Resource" || key == "NotResource") {
      if (kind == PolicyKind::kTrust) return Malformed("Has prohibited field " + std::string(key));
      if (has_resource) return SyntaxError();
      auto resources = StringList(field);
      if (!resources.ok()) return resources.error();
      for (const std::string& resource : *resources) {
        if (Status status = CheckResource(resource); !status.ok()) return status;
      }
      statement.not_resource = key == "NotResource";
      statement.resources = std::move(*resources);
      has_resource = true;
    } else if (key == "Principal") {
      if (kind == PolicyKind::kIdentity) return Malformed("Policy document should not specify a principal.");
      auto principals = ParsePrincipal(field);
      if (!principals.ok()) return principals.error();
      statement.principals = std::move(*principals);
      has_principal = true;
    } else if (key == "Condition" || key == "NotPrincipal") {
      // Evaluating a document without them would grant more than it says: refuse rather than ignore.
      return Malformed(std::string(key) + " is not supported by jobstream yet");
    } else {
      return SyntaxError();
    }
  }
  if (!has_effect) return Malformed("Missing required field Effect");
  if (!has_action) return Malformed("Policy statement must contain actions.");
  if (kind == PolicyKind::kIdentity && !has_resource) return Malformed("Policy statement must contain resources.");
  if (kind == PolicyKind::kTrust && !has_principal) return Malformed("Missing required field Principal");
  return statement;
}

bool AnyMatches(const std::vector<std::string>& patterns, std::string_view text, CaseSensitivity sensitivity) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return WildcardMatch(pattern, text, sensitivity); });
}

bool PrincipalMatches(const std::vector<std::string>& principals, const AccessRequest& request) {
  return std::any_of(principals.begin(), principals.end(), [&](const std::string& principal) {
    if (principal == "*" || principal == request.principal_arn) return true;
    // The account (its id, or its root user's ARN) stands for every principal in it.
    return !request.account_id.empty() && (principal == request.account_id ||
                                           principal == "arn:aws:iam::" + std::string(request.account_id) + ":root");
  });
}

bool Applies(const Statement& statement, const AccessRequest& request) {
  if (AnyMatches(statement.actions, request.action, CaseSensitivity::kInsensitive) == statement.not_action) {
    return false;
  }
  if (!statement.principals.empty()) return PrincipalMatches(statement.principals, request);
  return AnyMatches(statement.resources, request.resource, CaseSensitivity::kSensitive) != statement.not_resource;
}

}  // namespace

Result<Policy> Policy::Parse(std::string_view text, PolicyKind kind) {
  if (text.size() > kMaxPolicyDocumentLength) {
    return Malformed("The policy is longer than " + std::to_string(kMaxPolicyDocumentLength) + " characters.");
  }
  json::parse_options options;
  options.max_depth = 8;  // a policy nests four levels (document, statement, principal, list)
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return SyntaxError();
  const json::object* object = root.if_object();
  if (object == nullptr) return SyntaxError();
  Policy policy;
  bool has_statement = false;
  for (const auto& [key, field] : *object) {
    if (key == "Version") {
      if (!Is(field, "2012-10-17") && !Is(field, "2008-10-17")) return Malformed("The policy failed legacy parsing");
    } else if (key == "Id") {
      if (!field.is_string()) return SyntaxError();
    } else if (key == "Statement") {
      // One statement as an object, or a list of them.
      const json::array* list = field.if_array();
      json::array single;
      if (list == nullptr) {
        single.push_back(field);
        list = &single;
      }
      if (list->empty()) return SyntaxError();
      for (const json::value& entry : *list) {
        auto statement = ParseStatement(entry, kind);
        if (!statement.ok()) return statement.error();
        policy.statements_.push_back(std::move(*statement));
      }
      has_statement = true;
    } else {
      return SyntaxError();
    }
  }
  if (!has_statement) return SyntaxError();
  return policy;
}

Decision Policy::Evaluate(const AccessRequest& request) const {
  Decision decision = Decision::kImplicitDeny;
  for (const Statement& statement : statements_) {
    if (!Applies(statement, request)) continue;
    if (statement.effect == Effect::kDeny) return Decision::kExplicitDeny;
    decision = Decision::kAllow;
  }
  return decision;
}

bool IsAllowed(const std::vector<const Policy*>& identity, const Policy* session, const AccessRequest& request) {
  bool allowed = false;
  for (const Policy* policy : identity) {
    Decision decision = policy->Evaluate(request);
    if (decision == Decision::kExplicitDeny) return false;
    allowed = allowed || decision == Decision::kAllow;
  }
  if (!allowed) return false;
  return session == nullptr || session->Evaluate(request) == Decision::kAllow;
}

}  // namespace jobstream::iam
