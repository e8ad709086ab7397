#include "functions/function_credentials.h"

#include <algorithm>

namespace jobstream::functions {

std::vector<std::string> FunctionCredentials::EnvironmentStrings() const {
  if (access_key_id.empty()) return {};
  return {"AWS_ACCESS_KEY_ID=" + access_key_id, "AWS_SECRET_ACCESS_KEY=" + secret_access_key,
          "AWS_SESSION_TOKEN=" + session_token};
}

std::chrono::seconds CredentialRefreshMargin(std::chrono::seconds timeout, std::chrono::seconds lifetime) {
  std::chrono::seconds margin = timeout + std::min(kMaxCredentialSlack, lifetime / 5);
  return std::min(margin, lifetime / 2);
}

Result<FunctionCredentials> CredentialCache::ValidFor(std::chrono::seconds timeout) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (cached_ && cached_->expiration - now >= CredentialRefreshMargin(timeout, lifetime_)) return *cached_;
  auto minted = mint_();
  if (!minted.ok()) return minted.error();
  cached_ = *minted;
  lifetime_ = std::chrono::floor<std::chrono::seconds>(minted->expiration - now);
  return minted;
}

}  // namespace jobstream::functions
