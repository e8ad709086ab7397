// What the lambda runtime needs from the server around it: the region and account its ARNs name,
// where the shipped runtimes are, credentials for each function, and the server's own address
// (for the SDKs in the workers), which is known only once the server listens.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace jobstream::functions {

struct FunctionCredentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged
};

// Thread-safe.
class LambdaHost {
 public:
  LambdaHost(std::string region, std::string account_id, std::filesystem::path runtimes_dir)
      : region_(std::move(region)), account_id_(std::move(account_id)), runtimes_dir_(std::move(runtimes_dir)) {}

  const std::string& region() const { return region_; }
  const std::string& account_id() const { return account_id_; }
  // Holds python/bootstrap.py (and the other shipped runtimes); empty when none was found.
  const std::filesystem::path& runtimes_dir() const { return runtimes_dir_; }

  // How a function's credentials are made or found (by the caller, from the key file).
  using CredentialSource = std::function<Result<FunctionCredentials>(const std::string& function_name)>;
  void SetCredentialSource(CredentialSource source);
  // The function's key; an empty one when no source was set.
  Result<FunctionCredentials> Credentials(const std::string& function_name) const;

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
