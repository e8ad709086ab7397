// The verifier end to end (auth/sigv4_verifier.h) with one fixed key and a fixed clock: the AWS
// SigV4 suite's key and time, so the suite's signed requests (the seeds) verify, and mutations of
// them reach every check up to and past the signature comparison.
// Input: a request in the SigV4 suite's format (fuzz/request_text.h).
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "auth/sigv4_time.h"
#include "auth/sigv4_verifier.h"
#include "auth/testing_credentials.h"
#include "request_text.h"

namespace {

using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file

const auth::testing::MemoryCredentialStore& Credentials() {
  static const auto* const kStore = [] {
    auto* store = new auth::testing::MemoryCredentialStore();
    store->Add({.user_name = "suite",
                .access_key_id = "AKIDEXAMPLE",
                .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"});
    return store;
  }();
  return *kStore;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The suite's context: service "service", 2015-08-30T12:36:00Z.
  static const auth::SigV4Verifier kVerifier(auth::VerifierOptions{.service = "service"}, Credentials());
  static const auto kNow = std::chrono::system_clock::from_time_t(1440938160);

  const fuzz::RequestText request = fuzz::ParseRequestText(fuzz::AsText(data, size));
  const auth::SignedRequestView view = request.View();
  (void)auth::SigV4Verifier::CarriesAuthentication(view);
  (void)kVerifier.Verify(view, kNow);
  return 0;
}
