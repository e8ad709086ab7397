// A request the verifier tests can sign, tamper with and verify: it owns its strings and lends
// a SignedRequestView of them. For tests only.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_signer.h"
#include "auth/sigv4_time.h"
#include "auth/sigv4_verifier.h"

namespace jobstream::auth::testing {

inline constexpr char kKeyId[] = "AKIDEXAMPLE";
inline constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// 2015-08-30T12:36:00Z, the AWS suite's moment.
inline TimePoint SuiteTime() { return ParseAmzDate("20150830T123600Z").value(); }

struct OwnedRequest {
  std::string method = "POST";
  std::string target = "/jobs?wait=1";
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", "jobs.example.com"},
                                                              {"Content-Type", "application/json"}};
  std::string body = R"({"payload":{"n":1}})";

  SignedRequestView View() const {
    SignedRequestView view{method, target, {}, body};
    for (const auto& [name, value] : headers) view.headers.emplace_back(name, value);
    return view;
  }

  RequestToSign ToSign() const { return {method, target, headers, body}; }

  // The value of the first header called name (any case); fails the test when there is none.
  std::string& Header(std::string_view name) {
    for (auto& [header_name, value] : headers) {
      if (EqualsIgnoreCase(header_name, name)) return value;
    }
    ADD_FAILURE() << "no header " << name;
    headers.emplace_back(std::string(name), "");
    return headers.back().second;
  }

  void Remove(std::string_view name) {
    std::erase_if(headers, [name](const auto& h) { return EqualsIgnoreCase(h.first, name); });
  }

  // Replaces the first occurrence of from in the Authorization header.
  void EditAuthorization(std::string_view from, std::string_view to) {
    std::string& authorization = Header("Authorization");
    std::size_t at = authorization.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << authorization;
    authorization.replace(at, from.size(), to);
  }

  void EditTarget(std::string_view from, std::string_view to) {
    std::size_t at = target.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << target;
    target.replace(at, from.size(), to);
  }
};

inline SigningCredentials DefaultCredentials() { return {kKeyId, kSecret, ""}; }

inline SignerOptions DefaultSigner() { return {}; }  // us-east-1, execute-api

// request signed in the header form at time at.
inline OwnedRequest SignedAt(OwnedRequest request, TimePoint at,
                             const SigningCredentials& credentials = DefaultCredentials(),
                             const SignerOptions& options = DefaultSigner()) {
  auto signature = SignRequest(request.ToSign(), credentials, options, at);
  EXPECT_TRUE(signature.ok()) << signature.error().message();
  if (signature.ok()) {
    for (auto& header : signature->headers_to_add) request.headers.push_back(header);
  }
  return request;
}

// request presigned at time at.
inline OwnedRequest PresignedAt(OwnedRequest request, TimePoint at, std::chrono::seconds expires,
                                const SigningCredentials& credentials = DefaultCredentials(),
                                const SignerOptions& options = DefaultSigner()) {
  auto presigned = PresignRequest(request.ToSign(), credentials, options, expires, at);
  EXPECT_TRUE(presigned.ok()) << presigned.error().message();
  if (presigned.ok()) request.target = presigned->target;
  return request;
}

inline void ExpectFailure(const Result<Principal, AuthFailure>& result, std::string_view error_type,
                          std::string_view message) {
  ASSERT_FALSE(result.ok()) << "accepted, expected " << error_type << ": " << message;
  EXPECT_EQ(result.error().error_type, error_type);
  EXPECT_EQ(result.error().message, message);
}

}  // namespace jobstream::auth::testing
