#include "functions/lambda_host.h"

#include <fmt/format.h>

namespace jobstream::functions {

void LambdaHost::SetCredentialSource(CredentialSource source) {
  std::lock_guard lock(mutex_);
  credentials_ = std::move(source);
}

Result<FunctionCredentials> LambdaHost::Credentials(const FunctionConfig& config) const {
  CredentialSource source;
  {
    std::lock_guard lock(mutex_);
    source = credentials_;
  }
  if (!source) return FunctionCredentials{};
  return source(config);
}

void LambdaHost::WhenListening(std::function<void()> start) {
  {
    std::lock_guard lock(mutex_);
    if (!endpoint_url_) {
      waiting_.push_back(std::move(start));
      return;
    }
  }
  start();
}

void LambdaHost::SetEndpointUrl(std::string url) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mutex_);
    endpoint_url_ = std::move(url);
    waiting.swap(waiting_);
  }
  for (auto& start : waiting) start();
}

std::string LambdaHost::endpoint_url() const {
  std::lock_guard lock(mutex_);
  return endpoint_url_.value_or("");
}

std::string LambdaHost::FunctionArn(const std::string& name) const {
  return fmt::format("arn:aws:lambda:{}:{}:function:{}", region_, account_id_, name);
}

std::filesystem::path FindRuntimesDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path dir = exe.parent_path();
  for (const auto& candidate :
       {dir / "runtimes", dir.parent_path() / "runtimes", dir.parent_path() / "share" / "jobstream" / "runtimes"}) {
    if (std::filesystem::is_regular_file(candidate / "python" / "bootstrap.py", ec)) return candidate;
  }
  return {};
}

}  // namespace jobstream::functions
