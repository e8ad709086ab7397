// The Query protocol's form decoding (aws_query/query_protocol.h), as STS and IAM read request
// bodies: arbitrary text decoded into parameters, list members (ClientIDList.member.N,
// Tags.member.N.Key) read back, and every value escaped into XML. Checks that the parameter
// bound holds, that re-encoding what was decoded decodes to the same parameters, and that no
// escaped value can open an element.
// Input: one form body, e.g. Action=TagUser&UserName=a&Tags.member.1.Key=k&Tags.member.1.Value=v.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/sigv4_canonical.h"
#include "aws_query/query_protocol.h"
#include "request_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  const std::string_view text = fuzz::AsText(data, size);
  aws_query::Parameters params;
  aws_query::AddFormParameters(text, params);
  if (params.size() > aws_query::kMaxParameters) std::abort();

  (void)aws_query::ListMembers(params, "Tags");
  (void)aws_query::ListMembers(params, "ClientIDList");
  for (std::size_t i = 1; i <= 3; ++i) (void)aws_query::Find(params, "Tags.member." + std::to_string(i) + ".Key");

  std::string form;
  for (const auto& [name, value] : params) {
    std::string element = aws_query::Element("V", value);
    if (element.find('<', 1) != 3 + aws_query::XmlEscape(value).size()) std::abort();  // only the closing tag's
    form += auth::UriEncode(name) + "=" + auth::UriEncode(value) + "&";
  }
  aws_query::Parameters again;
  aws_query::AddFormParameters(form, again);
  if (again != params) std::abort();
  return 0;
}
