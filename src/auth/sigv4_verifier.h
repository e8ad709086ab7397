// The server side of SigV4: decides whether a request was signed by a known access key, and
// explains a refusal exactly as Amazon API Gateway does (same x-amzn-ErrorType, same message).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credential_store.h"
#include "auth/signing_key_cache.h"
#include "common/result.h"

namespace jobstream::auth {

class KeyLastUse;

struct SignedRequestView {
  std::string_view method;
  // Raw request-target as received: path[?query], still percent-encoded as sent.
  std::string_view target;
  // In order received, names in any case.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
};

// Always HTTP 403; error_type goes to the x-amzn-ErrorType header.
struct AuthFailure {
  std::string error_type;
  std::string message;
};

// What temporary credentials (STS) carry beyond their key: sealed into the session token.
struct SessionContext {
  std::string role_name;       // the assumed role; empty for GetSessionToken's (the user itself)
  std::string session_name;    // RoleSessionName
  std::string session_policy;  // the session policy's JSON text; empty when there is none
  std::chrono::system_clock::time_point expiration;
};

struct Principal {
  std::string access_key_id;
  // The user whose long-term key signed, or who obtained the temporary credentials.
  std::string user_name;
  // The path the signature covers (SignedPath): route on this, never on the raw target, or a
  // request signed for one path could reach another ("/jobs/x/.." is signed as "/jobs").
  std::string signed_path;
  // The credential scope's service ("execute-api", "sts"): the API the request is for.
  std::string service;
  // Set for temporary credentials only.
  std::optional<SessionContext> session;
};

struct VerifierOptions {
  std::string region = "us-east-1";
  std::string service = "execute-api";
  // Further services a credential may be scoped to on the same port ("sts"); the request goes to
  // that service's API (Principal::service).
  std::vector<std::string> other_services;
  bool normalize_path = true;
  std::chrono::seconds max_clock_skew{300};
  // Services among other_services whose credentials may be scoped to kGlobalRegion as well as to
  // region ("iam": its one endpoint signs for us-east-1 in the aws partition).
  std::vector<std::string> global_services = {};
};

inline constexpr std::string_view kGlobalRegion = "us-east-1";

// The x-amzn-ErrorType values a verification can fail with.
inline constexpr std::string_view kMissingAuthenticationToken = "MissingAuthenticationTokenException";
inline constexpr std::string_view kIncompleteSignature = "IncompleteSignatureException";
inline constexpr std::string_view kInvalidSignature = "InvalidSignatureException";
inline constexpr std::string_view kUnrecognizedClient = "UnrecognizedClientException";
inline constexpr std::string_view kExpiredToken = "ExpiredTokenException";

// Temporary credentials as a session token describes them.
struct TemporaryCredential {
  Credential credential;  // the temporary key id ("ASIA…") and its secret
  SessionContext session;
};

// Opens session tokens (X-Amz-Security-Token). Long-term keys carry no session token, so
// without one every presented token is refused. Implementations must be thread-safe.
class SessionTokenValidator {
 public:
  virtual ~SessionTokenValidator() = default;
  // What session_token grants, or nullopt when this server did not issue it unaltered.
  virtual std::optional<TemporaryCredential> Open(std::string_view session_token) const = 0;
};

class SigV4Verifier {  // thread-safe
 public:
  // Both references must outlive the verifier. session_tokens may be null (long-term keys only).
  SigV4Verifier(VerifierOptions options, const CredentialStore& credentials,
                const SessionTokenValidator* session_tokens = nullptr);

  // The principal that signed request, or why the request must be refused (HTTP 403).
  Result<Principal, AuthFailure> Verify(const SignedRequestView& request,
                                        std::chrono::system_clock::time_point now) const;

  // True when the request carries any SigV4 material (Authorization header, or X-Amz-Algorithm /
  // X-Amz-Signature / X-Amz-Credential in the query).
  static bool CarriesAuthentication(const SignedRequestView& request);

  // From now on every request a long-term key signs and that verifies is noted in last_use (the
  // time, the scope's service and region), which must outlive the verifier. Call before serving.
  void TrackLastUse(KeyLastUse* last_use) { last_use_ = last_use; }

 private:
  // Constant after construction.
  const VerifierOptions options_;
  const CredentialStore& credentials_;
  const SessionTokenValidator* const session_tokens_;

  mutable SigningKeyCache signing_keys_;  // thread-safe itself
  KeyLastUse* last_use_ = nullptr;        // thread-safe itself; set before serving, null: not tracked
};

}  // namespace jobstream::auth
