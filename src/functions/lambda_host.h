// What the process-running runtimes (lambda, and exec for credentials and the address) need from
// the server around them: the region and account their ARNs name, where the shipped runtimes
// are, each function's role credentials, and the server's own address (for the SDKs in the
// processes), which is known only once the server listens.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "functions/function_config.h"
#include "functions/function_credentials.h"

namespace jobstream::functions {

// Thread-safe.
class LambdaHost {
 public:
  LambdaHost(std::string region, std::string account_id, std::filesystem::path runtimes_dir)
      : region_(std::move(region)), account_id_(std::move(account_id)), runtimes_dir_(std::move(runtimes_dir)) {}

  const std::string& region() const { return region_; }
  const std::string& account_id() const { return account_id_; }
  // Holds python/bootstrap.py (and the other shipped runtimes); empty when none was found.
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

  // How a function's credentials are minted (by the caller: its role's, for config.role and
  // config.credential_lifetime).
  using CredentialSource = std::function<Result<FunctionCredentials>(const FunctionConfig& config)>;
  void SetCredentialSource(CredentialSource source);
  // New credentials for the function; empty ones when no source was set.
  Result<FunctionCredentials> Credentials(const FunctionConfig& config) const;

  // Runs `start` once the server's URL is known (at once when it is already).
  void WhenListening(std::function<void()> start);
  // Sets the URL and runs what waited for it.
  void SetEndpointUrl(std::string url);
  std::string endpoint_url() const;

  // arn:aws:lambda:<region>:<account>:function:<name>
  std::string FunctionArn(const std::string& name) const;

 private:
  const std::string region_;
  const std::string account_id_;
  const std::filesystem::path runtimes_dir_;
  mutable std::mutex mutex_;
  CredentialSource credentials_;                // GUARDED_BY(mutex_)
  std::optional<std::string> endpoint_url_;     // GUARDED_BY(mutex_)
  std::vector<std::function<void()>> waiting_;  // GUARDED_BY(mutex_)
};

// The shipped runtimes' directory: beside the executable (runtimes/), one level up (a build
// directory in the source tree), or ../share/jobstream/runtimes (installed). Empty if none.
std::filesystem::path FindRuntimesDir();

}  // namespace jobstream::functions
