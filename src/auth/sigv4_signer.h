// The client side of SigV4: signs a request in the header form (Authorization header) or the
// presigned query form, as an AWS SDK would for an execute-api endpoint. Used by the CLI's
// `submit` and by the tests; the server only verifies (sigv4_verifier.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace jobstream::auth {

class SigningKeyCache;

struct SigningCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term credentials, no token sent
};

struct RequestToSign {
  std::string_view method;  // "GET", "POST", ...
  // The request-target exactly as it will be sent: path[?query], already percent-encoded.
  std::string_view target;
  // Every header listed here is signed; Host must be among them. Must not already carry
  // Authorization, X-Amz-Date, X-Amz-Security-Token or X-Amz-Content-Sha256.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

struct SignerOptions {
  std::string region = "us-east-1";
  std::string service = "execute-api";
  bool normalize_path = true;
  // Header form only: also send, and sign, X-Amz-Content-Sha256 (the body's SHA-256).
  bool add_content_sha256_header = false;
  // false: the session token is sent but left out of the signature, as AWS IoT expects.
  bool sign_session_token = true;
};

// The intermediate values of one signing; tests compare them with the AWS suite.
struct SigningTrace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

struct HeaderSignature {
  // In this order: X-Amz-Date, [X-Amz-Security-Token], [X-Amz-Content-Sha256], Authorization.
  std::vector<std::pair<std::string, std::string>> headers_to_add;
  SigningTrace trace;
};

struct PresignedRequest {
  // The target with X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
  // [-Security-Token] and -Signature appended to its query.
  std::string target;
  SigningTrace trace;
};

inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};  // 7 days, as AWS allows

// Signs request in the header form at time now. With key_cache, the signing key (four chained
// HMACs of the secret, valid for a day) comes from it, as AWS SDKs cache it between requests;
// without, it is derived afresh.
Result<HeaderSignature> SignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                    const SignerOptions& options, std::chrono::system_clock::time_point now,
                                    SigningKeyCache* key_cache = nullptr);

// Presigns request: the signature travels in the query, valid for `expires` (1 s to 7 days)
// from now. Every header in request.headers is signed and must be sent unchanged. key_cache as
// for SignRequest.
Result<PresignedRequest> PresignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                        const SignerOptions& options, std::chrono::seconds expires,
                                        std::chrono::system_clock::time_point now,
                                        SigningKeyCache* key_cache = nullptr);

}  // namespace jobstream::auth
