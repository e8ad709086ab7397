// AWS IAM on the server's port: the Query protocol (form-encoded Action=…&Version=2010-05-08),
// answered in IAM's XML, for requests whose SigV4 credential scope names the service `iam` (signed
// for us-east-1, as IAM's global endpoint is, whatever the server's region).
//
//   users        CreateUser GetUser ListUsers DeleteUser
//   access keys  CreateAccessKey ListAccessKeys UpdateAccessKey DeleteAccessKey GetAccessKeyLastUsed
//   roles        CreateRole GetRole ListRoles DeleteRole
//   inline       PutRolePolicy GetRolePolicy DeleteRolePolicy PutUserPolicy GetUserPolicy
//   policies     DeleteUserPolicy
//
// Each operation needs iam:<Operation> on the user or role it names (api/route_table.h). Every
// change is in the identities file (auth::KeyFile) before the answer, and in force for the next
// request's verification and authorization.
#pragma once

#include <chrono>
#include <string_view>

#include "auth/authorizer.h"
#include "auth/key_file.h"
#include "auth/key_last_use.h"
#include "aws_query/query_protocol.h"
#include "http/request_handler.h"

namespace jobstream::iam_api {

// Thread-safe; every reference must outlive it.
class IamApi {
 public:
  // last_use (may be null: every key answers as never used) is what GetAccessKeyLastUsed reads.
  IamApi(const auth::Authorizer& authorizer, auth::KeyFile& identities, const auth::KeyLastUse* last_use = nullptr)
      : authorizer_(authorizer), identities_(identities), last_use_(last_use) {}

  // Answers one verified request (any method; parameters from the form body and the query).
  http::Response Handle(const auth::Principal& principal, const http::Request& request,
                        std::chrono::system_clock::time_point now) const;

 private:
  const auth::Authorizer& authorizer_;
  auth::KeyFile& identities_;
  const auth::KeyLastUse* last_use_;
};

// What an operation answered: error_code empty and text the <…Result> element's content, or
// IAM's error code and message (status is the HTTP status IAM would give).
struct Outcome {
  unsigned status = 200;
  std::string error_code;
  std::string text;
};

// Runs one operation (params["Action"]) as the operator on the machine, for `jobstream iam`: no
// principal, so no authorization, and UserName never defaults to a caller.
Outcome RunAsOperator(auth::KeyFile& identities, const std::string& account_id, const aws_query::Parameters& params);

// An IAM error document as awscli and the SDKs parse it.
http::Response IamErrorResponse(unsigned status, std::string_view code, std::string_view message,
                                std::string_view request_id);

}  // namespace jobstream::iam_api
