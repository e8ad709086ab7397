// Turns (method, target, body) into the bytes of one SigV4-signed HTTP/1.1 request, as an AWS SDK
// would send it to an execute-api endpoint: Host, Content-Type and X-Amz-Date signed, the
// Authorization header in the header form.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/sigv4_signer.h"
#include "common/status.h"

namespace jobstream::bench {

// Immutable after construction, so one signer serves every load-generating thread.
class RequestSigner {
 public:
  RequestSigner(auth::SigningCredentials credentials, std::string host_header, auth::SignerOptions options = {});

  // Replaces out's contents (keeping its capacity) with the complete request signed at `now`.
  // Every request is signed from scratch with jobstream's own signer (auth::SignRequest), like a
  // client that caches nothing between calls; that cost belongs to a realistic client.
  Status Write(std::string_view method, std::string_view target, std::string_view body,
               std::chrono::system_clock::time_point now, std::string& out) const;

  const std::string& host_header() const { return host_header_; }
  // The same credentials and options, for another host.
  RequestSigner ForHost(std::string host_header) const {
    return RequestSigner(credentials_, std::move(host_header), options_);
  }

 private:
  // Constant after construction.
  const auth::SigningCredentials credentials_;
  const std::string host_header_;
  const auth::SignerOptions options_;
};

}  // namespace jobstream::bench
