// SigV4 canonicalization (auth/sigv4_canonical.h) on arbitrary bytes, with the properties its
// header promises: percent-decoding undoes UriEncode; the one-buffer AppendCanonicalRequest
// equals BuildCanonicalRequest of the separately built parts.
// Input: a request in the SigV4 suite's format (fuzz/request_text.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_claim.h"
#include "request_text.h"

namespace {

using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file

void Check(bool condition, const char* what) {
  if (!condition) {
    __builtin_printf("property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::AsText(data, size);
  const fuzz::RequestText request = fuzz::ParseRequestText(text);

  Check(auth::PercentDecode(auth::UriEncode(request.target)) == request.target, "PercentDecode(UriEncode(x)) == x");
  Check(auth::PercentDecode(auth::UriEncode(request.target, /*keep_slash=*/true)) == request.target,
        "PercentDecode(UriEncode(x, keep_slash)) == x");

  const auto [raw_path, raw_query] = auth::SplitTarget(request.target);
  const std::vector<auth::QueryParameter> query = auth::ParseQuery(raw_query);

  // The signed header names: every header's, as a signer would list them.
  std::string names;
  for (const auto& [name, value] : request.headers) {
    if (!names.empty()) names += ';';
    names += auth::ToLowerAscii(name);
  }
  auto signed_names = auth::ParseSignedHeaders(names);
  std::vector<std::string> signed_list;
  if (signed_names.ok()) signed_list = *signed_names;

  std::vector<auth::HeaderField> fields;
  fields.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) fields.emplace_back(name, value);
  for (const auto& [name, value] : request.headers) (void)auth::CanonicalHeaderValue(value);

  for (const bool normalize : {true, false}) {
    const std::string uri = auth::CanonicalUri(raw_path, normalize);
    const std::string canonical_query = auth::CanonicalQueryString(query);
    const auth::CanonicalHeaders headers = auth::BuildCanonicalHeaders(fields, signed_list);
    const std::string built = auth::BuildCanonicalRequest(request.method, uri, canonical_query, headers, request.body);

    std::string appended;
    const auth::CanonicalRequestInput input{.method = request.method,
                                            .raw_path = raw_path,
                                            .normalize_path = normalize,
                                            .query = query,
                                            .headers = fields,
                                            .signed_names = signed_list,
                                            .payload_hash = request.body};
    auth::AppendCanonicalRequest(appended, input);
    Check(appended == built, "AppendCanonicalRequest == BuildCanonicalRequest");

    std::string to_sign;
    auth::AppendStringToSign(to_sign, "20150830T123600Z", "20150830", "us-east-1", "execute-api", built);
    Check(to_sign == auth::BuildStringToSign("20150830T123600Z",
                                             auth::CredentialScope("20150830", "us-east-1", "execute-api"), built),
          "AppendStringToSign == BuildStringToSign");
  }
  return 0;
}
