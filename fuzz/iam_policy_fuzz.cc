// IAM policy documents (iam/policy.h): parsing arbitrary text as an identity policy and as a
// trust policy, then evaluating what parses against fixed requests and against requests made of
// the input itself (so resources and actions meet patterns shaped like them).
// Input: one policy document, JSON text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "iam/policy.h"
#include "iam/wildcard.h"
#include "request_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  const std::string_view text = fuzz::AsText(data, size);
  const iam::AccessRequest requests[] = {
      {"execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs", "", ""},
      {"sts:AssumeRole", "arn:aws:iam::123456789012:role/JobsAPIInvokeRole", "arn:aws:iam::123456789012:user/a",
       "123456789012"},
      {text, text, text, text},
  };
  for (iam::PolicyKind kind : {iam::PolicyKind::kIdentity, iam::PolicyKind::kTrust}) {
    auto policy = iam::Policy::Parse(text, kind);
    if (!policy.ok()) continue;
    for (const iam::AccessRequest& request : requests) {
      (void)policy->Evaluate(request);
      (void)iam::IsAllowed({&*policy}, &*policy, request);
    }
  }
  // The input as a pattern against itself and its halves.
  std::string_view half = text.substr(0, text.size() / 2);
  (void)iam::WildcardMatch(text, half, iam::CaseSensitivity::kInsensitive);
  (void)iam::WildcardMatch(half, text, iam::CaseSensitivity::kSensitive);
  return 0;
}
