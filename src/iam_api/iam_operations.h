// The IAM operations behind IamApi, one function each, and what they share. Private to iam_api/.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/key_file.h"
#include "aws_query/query_protocol.h"
#include "iam_api/iam_api.h"

namespace jobstream::iam_api {

using Answer = Outcome;

inline Answer Ok(std::string result = {}) { return Answer{200, {}, std::move(result)}; }
inline Answer Error(unsigned status, std::string code, std::string message) {
  return Answer{status, std::move(code), std::move(message)};
}
Answer NoSuchEntity(std::string message);
Answer InvalidParameter(std::string_view value, std::string_view member, std::string_view constraint);

// One call: its parameters and everything it may read or change.
struct Call {
  const aws_query::Parameters& params;
  auth::KeyFile& identities;
  const std::string& account;
  std::chrono::system_clock::time_point now;
  const auth::KeyLastUse* last_use = nullptr;  // null: no key's use is known
};

// A required name parameter checked against IAM's pattern [\w+=,.@-]+ and max_length: the value,
// or (in *failure) IAM's ValidationError naming member (e.g. "userName").
std::optional<std::string> RequiredName(const Call& call, std::string_view parameter, std::string_view member,
                                        std::size_t max_length, Answer* failure);

// Applies change through KeyFile::Update: the change's own Answer when it refuses, a
// ServiceFailure when the file cannot be written, Ok(result) otherwise.
Answer Change(const Call& call, const std::function<std::optional<Answer>(auth::KeyFileContents&)>& change,
              std::string result = {});

// Policy documents appear URL-encoded in IAM's answers.
std::string EncodedDocument(std::string_view document);

Answer CreateUser(const Call& call);
Answer GetUser(const Call& call, std::string_view caller);
Answer ListUsers(const Call& call);
Answer DeleteUser(const Call& call);
Answer CreateAccessKey(const Call& call, std::string_view caller);
Answer ListAccessKeys(const Call& call, std::string_view caller);
Answer UpdateAccessKey(const Call& call, std::string_view caller);
Answer DeleteAccessKey(const Call& call, std::string_view caller);
Answer GetAccessKeyLastUsed(const Call& call);

Answer CreateRole(const Call& call);
Answer GetRole(const Call& call);
Answer ListRoles(const Call& call);
Answer DeleteRole(const Call& call);
Answer PutRolePolicy(const Call& call);
Answer GetRolePolicy(const Call& call);
Answer DeleteRolePolicy(const Call& call);
Answer PutUserPolicy(const Call& call);
Answer GetUserPolicy(const Call& call);
Answer DeleteUserPolicy(const Call& call);

}  // namespace jobstream::iam_api
