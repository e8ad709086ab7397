#include "auth/temporary_credentials.h"

#include "auth/key_file.h"
#include "auth/sigv4_time.h"

namespace jobstream::auth {

Result<IssuedCredentials> IssueTemporaryCredentials(const SessionTokens& tokens, std::string user_name,
                                                    SessionContext session, std::chrono::system_clock::time_point now) {
  auto key_id = NewAccessKeyId("ASIA");
  if (!key_id.ok()) return key_id.error();
  auto secret = NewSecretAccessKey();
  if (!secret.ok()) return secret.error();
  IssuedCredentials issued;
  issued.temporary.credential = Credential{std::move(user_name), *key_id, *secret, true, FormatIso8601(now)};
  issued.temporary.session = std::move(session);
  auto token = tokens.Seal(issued.temporary);
  if (!token.ok()) return token.error();
  issued.session_token = std::move(*token);
  return issued;
}

}  // namespace jobstream::auth
