// AWS STS on the server's port: the Query protocol (form-encoded Action=…&Version=2011-06-15),
// answered in STS's XML, for requests whose SigV4 credential scope names the service `sts`.
//
//   AssumeRole         RoleArn, RoleSessionName, DurationSeconds (900–43200, default 3600, at most
//                      the role's MaxSessionDuration), Policy (a session policy that narrows)
//   GetCallerIdentity  Arn, UserId, Account of the signer
//   GetSessionToken    temporary credentials of the signing user itself
//
// Errors: <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
// <RequestId>…</RequestId></ErrorResponse> with STS's codes (ValidationError, AccessDenied,
// MalformedPolicyDocument, InvalidAction).
#pragma once

#include <chrono>
#include <string_view>

#include "auth/authorizer.h"
#include "auth/session_token.h"
#include "http/request_handler.h"

namespace jobstream::sts {

// Thread-safe; every reference must outlive it.
class StsApi {
 public:
  StsApi(const auth::Authorizer& authorizer, const auth::SessionTokens& tokens)
      : authorizer_(authorizer), tokens_(tokens) {}

  // Answers one verified request (any method; parameters from the form body and the query).
  http::Response Handle(const auth::Principal& principal, const http::Request& request,
                        std::chrono::system_clock::time_point now) const;

 private:
  const auth::Authorizer& authorizer_;
  const auth::SessionTokens& tokens_;
};

// An STS error document as awscli and the SDKs parse it (Type Sender: the caller's fault).
http::Response StsErrorResponse(unsigned status, std::string_view code, std::string_view message,
                                std::string_view request_id);

}  // namespace jobstream::sts
