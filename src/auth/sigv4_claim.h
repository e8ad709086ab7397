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

struct SignatureClaim {
  bool presigned = false;
  std::string algorithm;
  std::string credential;      // "AKID/20150830/us-east-1/execute-api/aws4_request"
  std::string signed_headers;  // as sent: "host;x-amz-date"
  std::string signature;
  std::string amz_date;  // ISO 8601 basic form of the request time, as signed
  TimePoint request_time;
  std::optional<std::chrono::seconds> expires;  // presigned only, when given
  std::optional<std::string> session_token;
  // Every query parameter, decoded; for a presigned request without X-Amz-Signature.
  std::vector<QueryParameter> query;
};

// The parts of a credential: AKID/date/region/service/terminator.
struct CredentialScopeParts {
  std::string access_key_id;
  std::string date_stamp;
  std::string region;
  std::string service;
  std::string terminator;
};

AuthFailure IncompleteSignature(std::string message);
AuthFailure InvalidSignature(std::string message);

// The values of every header named name (any case), in the order received.
std::vector<std::string_view> HeaderValues(const SignedRequestView& request, std::string_view name);

// Reads the header form from the Authorization header's value.
Result<SignatureClaim, AuthFailure> ReadHeaderClaim(const SignedRequestView& request, std::string_view authorization);

// Reads the presigned form from already-parsed query parameters.
Result<SignatureClaim, AuthFailure> ReadQueryClaim(std::vector<QueryParameter> query);

// The SignedHeaders list as the canonical request needs it: lowercase, sorted, unique, bounded.
Result<std::vector<std::string>, AuthFailure> ParseSignedHeaders(std::string_view signed_headers);

Result<CredentialScopeParts, AuthFailure> ParseCredential(std::string_view credential);

}  // namespace jobstream::auth
