// Proves the signer and the verifier against every case of the AWS SigV4 test suite
// (tests/testdata/sigv4-suite, from aws-c-auth): the signer reproduces the expected canonical
// request, string to sign and signature in both forms, and the verifier accepts the suite's
// signed requests and refuses them once a single signature character changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "auth/sigv4_signer.h"
#include "auth/sigv4_time.h"
#include "auth/sigv4_verifier.h"
#include "auth/testing_credentials.h"

#ifndef JOBSTREAM_TESTDATA_DIR
#define JOBSTREAM_TESTDATA_DIR "/work/main/tests/testdata"
#endif

namespace jobstream::auth {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path SuiteDir() { return fs::path(JOBSTREAM_TESTDATA_DIR) / "sigv4-suite" / "v4"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string TrimRight(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// A request as the suite writes it: request line, "Name:value" lines (a line starting with
// whitespace continues the previous value: obs-fold), a blank line, the body.
struct ParsedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  SignedRequestView View() const {
    SignedRequestView view{method, target, {}, body};
    for (const auto& [name, value] : headers) view.headers.emplace_back(name, value);
    return view;
  }
};

ParsedRequest ParseRequestFile(const std::string& text) {
  ParsedRequest request;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  next_line(line);
  // "METHOD TARGET HTTP/1.1", where TARGET may itself hold a space (get-space-*).
  std::size_t first_space = line.find(' ');
  std::size_t version = line.rfind(" HTTP/");
  request.method = line.substr(0, first_space);
  request.target = line.substr(first_space + 1, version - first_space - 1);
  while (next_line(line) && !line.empty()) {
    if (line.front() == ' ' || line.front() == '\t') {
      request.headers.back().second += "\n" + line;  // kept raw: canonicalization folds it
      continue;
    }
    std::size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  if (pos < text.size()) request.body = text.substr(pos);
  return request;
}

struct SuiteContext {
  SigningCredentials credentials;
  std::chrono::seconds expires{0};
  bool normalize = true;
  std::string region;
  std::string service;
  bool sign_body = false;
  bool omit_session_token = false;
  TimePoint now;
};

SuiteContext ReadContext(const fs::path& dir) {
  json::object root = json::parse(ReadFile(dir / "context.json")).as_object();
  const json::object& credentials = root.at("credentials").as_object();
  SuiteContext context;
  context.credentials.access_key_id = credentials.at("access_key_id").as_string().c_str();
  context.credentials.secret_access_key = credentials.at("secret_access_key").as_string().c_str();
  if (const json::value* token = credentials.if_contains("token")) {
    context.credentials.session_token = token->as_string().c_str();
  }
  context.expires = std::chrono::seconds{root.at("expiration_in_seconds").as_int64()};
  context.normalize = root.at("normalize").as_bool();
  context.region = root.at("region").as_string().c_str();
  context.service = root.at("service").as_string().c_str();
  context.sign_body = root.at("sign_body").as_bool();
  if (const json::value* omit = root.if_contains("omit_session_token")) {
    context.omit_session_token = omit->as_bool();
  }
  // "2015-08-30T12:36:00Z" -> "20150830T123600Z"
  std::string stamp(root.at("timestamp").as_string().c_str());
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  context.now = ParseAmzDate(stamp).value();
  return context;
}

std::vector<std::string> SuiteCases() {
  std::vector<std::string> cases;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(SuiteDir(), error)) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = SuiteDir() / GetParam();
    context_ = ReadContext(dir_);
    store_.Add({"suite-user", context_.credentials.access_key_id, context_.credentials.secret_access_key, true,
                "2015-08-30T12:36:00Z"});
    if (!context_.credentials.session_token.empty()) {
      tokens_.Add(context_.credentials.session_token,
                  {"suite-user", context_.credentials.access_key_id, context_.credentials.secret_access_key, true,
                   "2015-08-30T12:36:00Z"});
    }
  }

  std::string Expected(const char* name) const { return ReadFile(dir_ / name); }

  RequestToSign ToSign(const ParsedRequest& request) const {
    return {request.method, request.target, request.headers, request.body};
  }

  SignerOptions Signer() const {
    SignerOptions options;
    options.region = context_.region;
    options.service = context_.service;
    options.normalize_path = context_.normalize;
    options.add_content_sha256_header = context_.sign_body;
    options.sign_session_token = !context_.omit_session_token;
    return options;
  }

  SigV4Verifier Verifier() const {
    return SigV4Verifier({context_.region, context_.service, {}, context_.normalize, std::chrono::seconds{300}}, store_,
                         &tokens_);
  }

  fs::path dir_;
  SuiteContext context_;
  testing::MemoryCredentialStore store_;
  testing::FixedSessionTokens tokens_;
};

std::string Mismatch(const std::string& canonical_request, const std::string& string_to_sign) {
  return "The request signature we calculated does not match the signature you provided. Check "
         "your AWS Secret Access Key and signing method. Consult the service documentation for "
         "details.\n\nThe Canonical String for this request should have been\n'" +
         canonical_request + "'\n\nThe String-to-Sign should have been\n'" + string_to_sign + "'\n";
}

// Changes one hex character right after marker, keeping it hex.
std::string FlipAfter(std::string text, std::string_view marker) {
  std::size_t at = text.find(marker);
  EXPECT_NE(at, std::string::npos) << marker;
  char& c = text[at + marker.size()];
  c = c == '0' ? '1' : '0';
  return text;
}

TEST_P(SigV4SuiteTest, SignerReproducesHeaderFormCanonicalRequestStringToSignAndSignature) {
  ParsedRequest request = ParseRequestFile(Expected("request.txt"));
  auto signed_request = SignRequest(ToSign(request), context_.credentials, Signer(), context_.now);
  ASSERT_TRUE(signed_request.ok()) << signed_request.error().message();
  EXPECT_EQ(signed_request->trace.canonical_request, Expected("header-canonical-request.txt"));
  EXPECT_EQ(signed_request->trace.string_to_sign, Expected("header-string-to-sign.txt"));
  EXPECT_EQ(signed_request->trace.signature, TrimRight(Expected("header-signature.txt")));

  ParsedRequest expected = ParseRequestFile(Expected("header-signed-request.txt"));
  auto expected_authorization = std::find_if(expected.headers.begin(), expected.headers.end(),
                                             [](const auto& header) { return header.first == "Authorization"; });
  ASSERT_NE(expected_authorization, expected.headers.end());
  EXPECT_EQ(signed_request->headers_to_add.back(),
            std::make_pair(std::string("Authorization"), expected_authorization->second));
}

TEST_P(SigV4SuiteTest, SignerReproducesQueryFormCanonicalRequestStringToSignAndSignature) {
  ParsedRequest request = ParseRequestFile(Expected("request.txt"));
  auto presigned = PresignRequest(ToSign(request), context_.credentials, Signer(), context_.expires, context_.now);
  ASSERT_TRUE(presigned.ok()) << presigned.error().message();
  EXPECT_EQ(presigned->trace.canonical_request, Expected("query-canonical-request.txt"));
  EXPECT_EQ(presigned->trace.string_to_sign, Expected("query-string-to-sign.txt"));
  EXPECT_EQ(presigned->trace.signature, TrimRight(Expected("query-signature.txt")));

  // What the signer hands out is accepted too (the suite orders its parameters differently),
  // except a token left out of the signature (post-sts-header-after): jobstream requires it signed.
  request.target = presigned->target;
  auto verified = Verifier().Verify(request.View(), context_.now);
  if (context_.omit_session_token) {
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
    return;
  }
  EXPECT_TRUE(verified.ok()) << verified.error().message;
}

TEST_P(SigV4SuiteTest, VerifierAcceptsHeaderSignedRequest) {
  ParsedRequest request = ParseRequestFile(Expected("header-signed-request.txt"));
  auto verified = Verifier().Verify(request.View(), context_.now);
  if (context_.omit_session_token) {  // the token is sent but not signed: refused
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error().message, "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
    return;
  }
  ASSERT_TRUE(verified.ok()) << verified.error().error_type << ": " << verified.error().message;
  EXPECT_EQ(verified->access_key_id, context_.credentials.access_key_id);
  EXPECT_EQ(verified->user_name, "suite-user");
}

TEST_P(SigV4SuiteTest, VerifierAcceptsPresignedRequest) {
  ParsedRequest request = ParseRequestFile(Expected("query-signed-request.txt"));
  auto verified = Verifier().Verify(request.View(), context_.now);
  if (context_.omit_session_token) {  // the token is appended after presigning: not covered
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
    return;
  }
  ASSERT_TRUE(verified.ok()) << verified.error().error_type << ": " << verified.error().message;
  EXPECT_EQ(verified->access_key_id, context_.credentials.access_key_id);
}

TEST_P(SigV4SuiteTest, VerifierRejectsHeaderSignedRequestWithOneSignatureCharacterChanged) {
  ParsedRequest request = ParseRequestFile(Expected("header-signed-request.txt"));
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value = FlipAfter(value, "Signature=");
  }
  auto verified = Verifier().Verify(request.View(), context_.now);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
  // The refusal shows the canonical request and string to sign the suite expects.
  EXPECT_EQ(verified.error().message,
            Mismatch(Expected("header-canonical-request.txt"), Expected("header-string-to-sign.txt")));
}

TEST_P(SigV4SuiteTest, VerifierRejectsPresignedRequestWithOneSignatureCharacterChanged) {
  ParsedRequest request = ParseRequestFile(Expected("query-signed-request.txt"));
  request.target = FlipAfter(request.target, "X-Amz-Signature=");
  auto verified = Verifier().Verify(request.View(), context_.now);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
  if (!context_.omit_session_token) {  // otherwise the message shows the token-signed form
    EXPECT_EQ(verified.error().message,
              Mismatch(Expected("query-canonical-request.txt"), Expected("query-string-to-sign.txt")));
  }
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest, ::testing::ValuesIn(SuiteCases()), CaseName);

TEST(SigV4SuiteDataTest, EverySuiteCaseIsPresent) {
  // An empty or missing directory must fail loudly rather than pass with no cases.
  EXPECT_EQ(SuiteCases().size(), 38u) << SuiteDir();
  EXPECT_TRUE(fs::exists(SuiteDir().parent_path() / "LICENSE"));
  EXPECT_TRUE(fs::exists(SuiteDir().parent_path() / "NOTICE"));
}

}  // namespace
}  // namespace jobstream::auth
