// What authenticating one request costs the server's HTTP thread: SigV4 verification of the
// requests the load generator sends (POST /jobs, GET /jobs/{id}), and the primitives it is built
// from. The HTTP thread runs this for every request, so it bounds the requests per second.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credential_store.h"
#include "auth/key_last_use.h"
#include "auth/session_token.h"
#include "auth/signing_key_cache.h"
#include "auth/sigv4_crypto.h"
#include "auth/sigv4_signer.h"
#include "auth/sigv4_time.h"
#include "auth/sigv4_verifier.h"

namespace jobstream::bench {
namespace {

constexpr std::string_view kKeyId = "AKIDEXAMPLE000000000";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// One key, as a server with a single access key has it.
class OneKeyStore : public auth::CredentialStore {
 public:
  std::optional<auth::Credential> Find(std::string_view access_key_id) const override {
    if (access_key_id != kKeyId) return std::nullopt;
    return auth::Credential{"bench", std::string(kKeyId), std::string(kSecret), true, "2026-01-01T00:00:00Z"};
  }
};

// A request as the load generator sends it, with the headers the server's view lists.
struct SignedRequest {
  std::string method;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  auth::SignedRequestView View() const {
    auth::SignedRequestView view{method, target, {}, body};
    view.headers.reserve(16);
    for (const auto& [name, value] : headers) view.headers.emplace_back(name, value);
    return view;
  }
};

SignedRequest Sign(std::string method, std::string target, std::string body, auth::TimePoint now) {
  SignedRequest request{std::move(method), std::move(target), std::move(body), {{"Host", "127.0.0.1:8080"}}};
  if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  auth::RequestToSign to_sign{request.method, request.target, request.headers, request.body};
  auto signature = auth::SignRequest(to_sign, {std::string(kKeyId), std::string(kSecret), ""}, {}, now);
  if (!signature.ok()) std::abort();
  for (auto& header : signature->headers_to_add) request.headers.push_back(std::move(header));
  request.headers.emplace_back("Content-Length", std::to_string(request.body.size()));
  return request;
}

// As JobsApi::Handle does it: the cheap presence check, then the verification (with the key's
// last use noted, as the server does, when last_use is given).
void VerifyLoop(benchmark::State& state, const SignedRequest& request, auth::KeyLastUse* last_use = nullptr) {
  OneKeyStore store;
  auth::SigV4Verifier verifier({}, store);
  verifier.TrackLastUse(last_use);
  auth::TimePoint now = std::chrono::system_clock::now();
  auth::SignedRequestView view = request.View();
  for (auto _ : state) {
    bool carries = auth::SigV4Verifier::CarriesAuthentication(view);
    auto principal = verifier.Verify(view, now);
    if (!carries || !principal.ok()) {
      state.SkipWithError("the request did not verify");
      break;
    }
    benchmark::DoNotOptimize(principal);
  }
}

void BM_VerifyPostJobs(benchmark::State& state) {
  VerifyLoop(state, Sign("POST", "/jobs", R"({"seconds": 1})", std::chrono::system_clock::now()));
}
BENCHMARK(BM_VerifyPostJobs);

// The server's hot path: every verified request notes its key's last use (auth/key_last_use.h).
void BM_VerifyPostJobsTrackingLastUse(benchmark::State& state) {
  auth::KeyLastUse last_use;
  VerifyLoop(state, Sign("POST", "/jobs", R"({"seconds": 1})", std::chrono::system_clock::now()), &last_use);
}
BENCHMARK(BM_VerifyPostJobsTrackingLastUse);

void BM_VerifyGetJob(benchmark::State& state) {
  VerifyLoop(state, Sign("GET", "/jobs/0b8e8c7e-8f1c-4c1e-9a57-2f0f3f7d2a10", "", std::chrono::system_clock::now()));
}
BENCHMARK(BM_VerifyGetJob);

// Temporary credentials of an assumed role: the token is opened (AES-256-GCM and a small JSON
// parse) on every request before the signature is checked.
void BM_VerifyPostJobsWithSessionToken(benchmark::State& state) {
  auth::SessionTokens tokens({7});
  auth::TemporaryCredential temporary{
      {"bench", "ASIAEXAMPLE000000000", std::string(kSecret), true, "2026-01-01T00:00:00Z"},
      {"JobsAPIInvokeRole", "bench", "", std::chrono::system_clock::now() + std::chrono::hours(1)}};
  auto token = tokens.Seal(temporary);
  if (!token.ok()) std::abort();
  auto now = std::chrono::system_clock::now();
  SignedRequest request{
      "POST", "/jobs", R"({"seconds": 1})", {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}}};
  auth::RequestToSign to_sign{request.method, request.target, request.headers, request.body};
  auto signature = auth::SignRequest(to_sign, {"ASIAEXAMPLE000000000", std::string(kSecret), *token}, {}, now);
  if (!signature.ok()) std::abort();
  for (auto& header : signature->headers_to_add) request.headers.push_back(std::move(header));
  OneKeyStore store;
  auth::SigV4Verifier verifier({}, store, &tokens);
  auth::SignedRequestView view = request.View();
  for (auto _ : state) {
    auto principal = verifier.Verify(view, now);
    if (!principal.ok()) {
      state.SkipWithError("the request did not verify");
      break;
    }
    benchmark::DoNotOptimize(principal);
  }
}
BENCHMARK(BM_VerifyPostJobsWithSessionToken);

void BM_SigningKeyCacheHit(benchmark::State& state) {
  auth::SigningKeyCache cache;
  for (auto _ : state) {
    auth::Sha256Digest key = cache.Get(kSecret, "20260101", "us-east-1", "execute-api");
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_SigningKeyCacheHit);

void BM_HmacSha256(benchmark::State& state) {
  auth::Sha256Digest key = auth::Sha256("key");
  std::string data(200, 'x');  // about a string to sign
  for (auto _ : state) {
    auth::Sha256Digest mac = auth::HmacSha256(key, data);
    benchmark::DoNotOptimize(mac);
  }
}
BENCHMARK(BM_HmacSha256);

void BM_HexEncode(benchmark::State& state) {
  auth::Sha256Digest digest = auth::Sha256("data");
  for (auto _ : state) {
    std::string hex = auth::HexEncode(digest);
    benchmark::DoNotOptimize(hex.data());
  }
}
BENCHMARK(BM_HexEncode);

}  // namespace
}  // namespace jobstream::bench

BENCHMARK_MAIN();
