// Issuing temporary credentials: a new "ASIA…" key id and secret, and the session token that
// seals them with what they grant. STS's AssumeRole and GetSessionToken issue them for callers,
// and the server for its functions' execution roles; both go through IssueTemporaryCredentials so
// a function's credentials are exactly what AssumeRole would have answered.
#pragma once

#include <chrono>
#include <string>

#include "auth/session_token.h"
#include "auth/sigv4_verifier.h"
#include "common/result.h"

namespace jobstream::auth {

struct IssuedCredentials {
  TemporaryCredential temporary;  // the key id, its secret (never logged) and the session
  std::string session_token;
};

// Credentials for `session` (its expiration already set), tied to `user_name` (the user who
// began the session; empty for a service's, such as a function's role session). An error only
// when the system's randomness or the sealing fails.
Result<IssuedCredentials> IssueTemporaryCredentials(const SessionTokens& tokens, std::string user_name,
                                                    SessionContext session, std::chrono::system_clock::time_point now);

}  // namespace jobstream::auth
