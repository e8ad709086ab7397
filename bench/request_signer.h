// Turns (method, target, body) into the bytes of one SigV4-signed HTTP/1.1 request, as an AWS SDK
// would send it to an execute-api endpoint: Host, Content-Type and X-Amz-Date signed, the
// Authorization header in the header form.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "auth/signing_key_cache.h"
#include "auth/sigv4_signer.h"
#include "common/status.h"

namespace jobstream::bench {

// Immutable after construction but for its thread-safe key cache, so one signer serves every
// load-generating thread.
class RequestSigner {
 public:
  RequestSigner(auth::SigningCredentials credentials, std::string host_header, auth::SignerOptions options = {});

  // Replaces out's contents (keeping its capacity) with the complete request signed at `now`.
  // Every request is signed with jobstream's own signer (auth::SignRequest): its canonical
  // request, its hashes and one HMAC. The signing key (four chained HMACs of the secret, the same
  // for a whole UTC day) comes from a cache, as a realistic SDK client keeps it: aws-sdk-js v3's
  // SignatureV4 caches it by date, region, service and credentials. Deriving it for every request
  // would charge the load generator, which shares the machine's cores with the server it
  // measures, for work such a client does not do.
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

  // Thread-safe itself; a run crosses a UTC midnight at most a few times.
  const std::unique_ptr<auth::SigningKeyCache> signing_keys_ = std::make_unique<auth::SigningKeyCache>(4);
};

}  // namespace jobstream::bench
