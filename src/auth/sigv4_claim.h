// What a request says about its own signature, read from its Authorization header or from its
// presigned query before anything is checked against a key, with API Gateway's messages for
// material that is missing or malformed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_time.h"
#include "auth/sigv4_verifier.h"
#include "common/result.h"

namespace jobstream::auth {

// Bounds on what a client can make the verifier parse.
inline constexpr std::size_t kMaxAuthorizationLength = 8192;
inline constexpr std::size_t kMaxSignedHeaders = 64;
inline constexpr std::size_t kMaxHeaderNameLength = 256;
inline constexpr std::size_t kMaxQueryParameters = 1024;

// What a request claims about its signature. Move-only: the views point into the request (header
// form), which must outlive the claim, or into presigned_query (presigned form), whose strings
// stay where they are when the claim is moved, but not when it is copied.
struct SignatureClaim {
  SignatureClaim() = default;
  SignatureClaim(SignatureClaim&&) = default;
  SignatureClaim& operator=(SignatureClaim&&) = default;
  SignatureClaim(const SignatureClaim&) = delete;
  SignatureClaim& operator=(const SignatureClaim&) = delete;
  ~SignatureClaim() = default;

  bool presigned = false;
  std::string_view algorithm;
  std::string_view credential;      // "AKID/20150830/us-east-1/execute-api/aws4_request"
  std::string_view signed_headers;  // as sent: "host;x-amz-date"
  std::string_view signature;
  std::string amz_date;  // ISO 8601 basic form of the request time, as signed
  TimePoint request_time;
  std::optional<std::chrono::seconds> expires;  // presigned only, when given
  std::optional<std::string_view> session_token;
  // Every query parameter, decoded; for a presigned request without X-Amz-Signature.
  std::vector<QueryParameter> query;
  // Presigned only: every query parameter as received, X-Amz-Signature included.
  std::vector<QueryParameter> presigned_query;
};

// The parts of a credential: AKID/date/region/service/terminator, views into the credential.
struct CredentialScopeParts {
  std::string_view access_key_id;
  std::string_view date_stamp;
  std::string_view region;
  std::string_view service;
  std::string_view terminator;
};

AuthFailure IncompleteSignature(std::string message);
AuthFailure InvalidSignature(std::string message);

// How many headers are named name (any case), and the value of the first one (empty if none).
struct HeaderLookup {
  std::size_t count = 0;
  std::string_view first;
};
HeaderLookup FindHeader(const SignedRequestView& request, std::string_view name);

// Reads the header form from the Authorization header's value; request and authorization must
// outlive the claim.
Result<SignatureClaim, AuthFailure> ReadHeaderClaim(const SignedRequestView& request, std::string_view authorization);

// Reads the presigned form from already-parsed query parameters.
Result<SignatureClaim, AuthFailure> ReadQueryClaim(std::vector<QueryParameter> query);

// The SignedHeaders list as the canonical request needs it: lowercase, sorted, unique, bounded.
Result<std::vector<std::string>, AuthFailure> ParseSignedHeaders(std::string_view signed_headers);

// The parts of credential, which must outlive them.
Result<CredentialScopeParts, AuthFailure> ParseCredential(std::string_view credential);

}  // namespace jobstream::auth
