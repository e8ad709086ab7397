// What a request claims about its signature (auth/sigv4_claim.h), read before any key is
// involved: the Authorization header, the presigned query, SignedHeaders and the credential.
// Input: a request in the SigV4 suite's format (fuzz/request_text.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_claim.h"
#include "request_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  const fuzz::RequestText request = fuzz::ParseRequestText(fuzz::AsText(data, size));
  const auth::SignedRequestView view = request.View();

  const auth::HeaderLookup authorization = auth::FindHeader(view, "authorization");
  if (authorization.count > 0) {
    auto claim = auth::ReadHeaderClaim(view, authorization.first);
    if (claim.ok()) {
      (void)auth::ParseSignedHeaders(claim->signed_headers);
      (void)auth::ParseCredential(claim->credential);
    }
  }
  auto query_claim = auth::ReadQueryClaim(auth::ParseQuery(auth::SplitTarget(request.target).second));
  if (query_claim.ok()) {
    (void)auth::ParseSignedHeaders(query_claim->signed_headers);
    (void)auth::ParseCredential(query_claim->credential);
  }
  // The body as a bare SignedHeaders list and a bare credential.
  (void)auth::ParseSignedHeaders(request.body);
  (void)auth::ParseCredential(request.body);
  return 0;
}
