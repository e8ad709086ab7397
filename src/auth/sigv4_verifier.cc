#include "auth/sigv4_verifier.h"
#include "auth/key_last_use.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_claim.h"
#include "auth/sigv4_crypto.h"
#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

using std::chrono::seconds;

// Bounds on the request as a whole, for callers that did not already bound it (the HTTP server
// does, more tightly).
constexpr std::size_t kMaxTargetLength = 16384;
constexpr std::size_t kMaxHeaderCount = 256;

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

AuthFailure Unrecognized() {
  return {std::string(kUnrecognizedClient), "The security token included in the request is invalid."};
}

// "5 min." as AWS prints the allowed window; windows of odd seconds (X-Amz-Expires) in seconds.
std::string DescribeWindow(seconds window) {
  if (window.count() % 60 == 0) return std::to_string(window.count() / 60) + " min.";
  return std::to_string(window.count()) + " sec.";
}

std::optional<AuthFailure> CheckClock(const SignatureClaim& claim, TimePoint now_exact, seconds max_skew) {
  // Whole seconds on both sides, so the message never says a time is earlier than itself.
  TimePoint now = std::chrono::floor<seconds>(now_exact);
  if (claim.request_time > now + max_skew) {
    return InvalidSignature("Signature not yet current: " + claim.amz_date + " is still later than " +
                            FormatAmzDate(now + max_skew) + " (" + FormatAmzDate(now) + " + " +
                            DescribeWindow(max_skew) + ")");
  }
  // A presigned request lives for its X-Amz-Expires; any other for the allowed clock skew.
  seconds window = claim.expires.value_or(max_skew);
  if (claim.request_time < now - window) {
    return InvalidSignature("Signature expired: " + claim.amz_date + " is now earlier than " +
                            FormatAmzDate(now - window) + " (" + FormatAmzDate(now) + " - " + DescribeWindow(window) +
                            ")");
  }
  return std::nullopt;
}

// Whether a credential scoped to service may name region: the server's, or for a global service
// also us-east-1, which IAM's global endpoint signs for (botocore signs iam for us-east-1 without
// --endpoint-url, and for the client's own region with it).
bool RegionAccepted(std::string_view service, std::string_view region, const VerifierOptions& options) {
  if (region == options.region) return true;
  return region == kGlobalRegion && std::find(options.global_services.begin(), options.global_services.end(),
                                              service) != options.global_services.end();
}

// API Gateway lists every scope mismatch at once, each sentence ending in ". ".
std::string ScopeMismatches(const CredentialScopeParts& scope, const SignatureClaim& claim,
                            const VerifierOptions& options) {
  std::string message;
  if (!RegionAccepted(scope.service, scope.region, options)) {
    message.append("Credential should be scoped to a valid region, not '").append(scope.region).append("'. ");
  }
  if (scope.service != options.service && std::find(options.other_services.begin(), options.other_services.end(),
                                                    scope.service) == options.other_services.end()) {
    message.append("Credential should be scoped to correct service: '").append(options.service).append("'. ");
  }
  if (scope.terminator != kScopeTerminator) {
    message.append("Credential should be scoped with a valid terminator: 'aws4_request', not '")
        .append(scope.terminator)
        .append("'. ");
  }
  std::string_view date_stamp = std::string_view(claim.amz_date).substr(0, 8);
  if (scope.date_stamp != date_stamp) {
    message
        .append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            "from HTTP: '")
        .append(scope.date_stamp)
        .append("' != '")
        .append(date_stamp)
        .append("', from '")
        .append(claim.amz_date)
        .append("'.");
  }
  return message;
}

bool SameSignature(const Sha256Hex& expected, std::string_view provided) {
  // The length of a signature is public; only its content must not leak through timing.
  return expected.size() == provided.size() && CRYPTO_memcmp(expected.data(), provided.data(), expected.size()) == 0;
}

bool HasPresignedParameters(const std::vector<QueryParameter>& query) {
  return std::any_of(query.begin(), query.end(), [](const QueryParameter& parameter) {
    return parameter.key == "X-Amz-Algorithm" || parameter.key == "X-Amz-Signature" ||
           parameter.key == "X-Amz-Credential";
  });
}

// What the signature should have been computed over, and the signature itself.
struct Computed {
  std::string canonical_request;
  std::string string_to_sign;
  Sha256Hex signature{};
};

}  // namespace

SigV4Verifier::SigV4Verifier(VerifierOptions options, const CredentialStore& credentials,
                             const SessionTokenValidator* session_tokens)
    : options_(std::move(options)), credentials_(credentials), session_tokens_(session_tokens) {}

bool SigV4Verifier::CarriesAuthentication(const SignedRequestView& request) {
  if (FindHeader(request, "authorization").count > 0) return true;
  return HasPresignedParameters(ParseQuery(SplitTarget(request.target).second));
}

Result<Principal, AuthFailure> SigV4Verifier::Verify(const SignedRequestView& request, TimePoint now) const {
  if (request.target.size() > kMaxTargetLength || request.headers.size() > kMaxHeaderCount) {
    return MakeUnexpected(IncompleteSignature("The request is too large to authenticate."));
  }
  // Plain variables, not a structured binding: the lambda below captures path.
  const auto target_parts = SplitTarget(request.target);
  const std::string_view path = target_parts.first;
  const std::string_view raw_query = target_parts.second;

  // 1. What the request claims: the header form wins when both forms are present.
  HeaderLookup authorization = FindHeader(request, "authorization");
  if (authorization.count > 1) {
    return MakeUnexpected(IncompleteSignature("Only one Authorization header is allowed."));
  }
  std::optional<Result<SignatureClaim, AuthFailure>> read;
  if (authorization.count == 1) {
    read.emplace(ReadHeaderClaim(request, authorization.first));
  } else if (std::vector<QueryParameter> query = ParseQuery(raw_query); HasPresignedParameters(query)) {
    read.emplace(ReadQueryClaim(std::move(query)));
  } else {
    return MakeUnexpected(AuthFailure{std::string(kMissingAuthenticationToken), "Missing Authentication Token"});
  }
  if (!read->ok()) return MakeUnexpected(read->error());
  const SignatureClaim& claim = **read;

  // 2. Time, before any key material is touched, in API Gateway's order of checks.
  if (auto failure = CheckClock(claim, now, options_.max_clock_skew)) {
    return MakeUnexpected(*failure);
  }
  auto signed_names = ParseSignedHeaders(claim.signed_headers);
  if (!signed_names.ok()) return MakeUnexpected(signed_names.error());
  if (!std::binary_search(signed_names->begin(), signed_names->end(), std::string_view("host"))) {
    return MakeUnexpected(InvalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization."));
  }
  if (claim.algorithm != kSigV4Algorithm) {
    return MakeUnexpected(IncompleteSignature("Unsupported AWS 'algorithm': '" + std::string(claim.algorithm) +
                                              "' (only AWS4-HMAC-SHA256 for now). "));
  }
  auto scope = ParseCredential(claim.credential);
  if (!scope.ok()) return MakeUnexpected(scope.error());
  if (std::string mismatches = ScopeMismatches(*scope, claim, options_); !mismatches.empty()) {
    return MakeUnexpected(InvalidSignature(std::move(mismatches)));
  }

  // 3. The key (a long-term one, or the temporary one its session token seals), then the
  // signature.
  std::optional<Credential> credential;
  std::optional<SessionContext> session;
  if (claim.session_token) {
    std::optional<TemporaryCredential> temporary =
        session_tokens_ != nullptr ? session_tokens_->Open(*claim.session_token) : std::nullopt;
    // A token sealed for another key id is as good as none: it cannot lend its secret to a key.
    if (!temporary || temporary->credential.access_key_id != scope->access_key_id) {
      return MakeUnexpected(Unrecognized());
    }
    credential = std::move(temporary->credential);
    session = std::move(temporary->session);
  } else {
    credential = credentials_.Find(scope->access_key_id);
  }
  if (!credential || !credential->active) return MakeUnexpected(Unrecognized());

  Sha256Hex payload_hash = HexDigest(Sha256(request.body));
  Sha256Digest signing_key =
      signing_keys_.Get(credential->secret_access_key, scope->date_stamp, scope->region, scope->service);
  // Room for the whole canonical request up front (the headers it takes and more), so it is built
  // in one allocation.
  std::size_t capacity =
      request.method.size() + request.target.size() + 2 * claim.signed_headers.size() + payload_hash.size() + 8;
  for (const auto& [name, value] : request.headers) capacity += name.size() + value.size() + 2;
  // Computed once: the canonical URI is built from it and the router routes on it, so what was
  // verified and what is served cannot differ.
  std::string signed_path = SignedPath(path, options_.normalize_path);
  auto compute = [&](const std::vector<QueryParameter>& query) {
    Computed computed;
    computed.canonical_request.reserve(capacity);
    AppendCanonicalRequest(computed.canonical_request,
                           {.method = request.method,
                            .raw_path = signed_path,
                            .normalize_path = false,  // signed_path is already
                            .query = query,
                            .headers = request.headers,
                            .signed_names = *signed_names,
                            .payload_hash = std::string_view(payload_hash.data(), payload_hash.size())});
    AppendStringToSign(computed.string_to_sign, claim.amz_date, scope->date_stamp, scope->region, scope->service,
                       computed.canonical_request);
    computed.signature = HexDigest(HmacSha256(signing_key, computed.string_to_sign));
    return computed;
  };
  // The presigned form signs every query parameter, X-Amz-Security-Token included, so the token is
  // covered there by construction (a token appended after presigning fails here).
  Computed computed = compute(claim.query);
  if (!SameSignature(computed.signature, claim.signature)) {
    return MakeUnexpected(InvalidSignature(std::string(kSignatureMismatch) +
                                           "\n\nThe Canonical String for this request should have "
                                           "been\n'" +
                                           computed.canonical_request + "'\n\nThe String-to-Sign should have been\n'" +
                                           computed.string_to_sign + "'\n"));
  }

  // 4. The header form must sign the token too, or a captured request could carry another one.
  if (claim.session_token && !claim.presigned &&
      !std::binary_search(signed_names->begin(), signed_names->end(), std::string_view("x-amz-security-token"))) {
    return MakeUnexpected(
        InvalidSignature("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."));
  }
  if (session && std::chrono::floor<seconds>(now) >= session->expiration) {
    return MakeUnexpected(
        AuthFailure{std::string(kExpiredToken), "The security token included in the request is expired"});
  }
  // Only long-term keys have a last use, as in IAM: temporary credentials are not IAM's access
  // keys (the key that obtained them was recorded when it signed that STS call).
  if (last_use_ != nullptr && !session)
    last_use_->Record(credential->access_key_id, now, scope->service, scope->region);
  return Principal{std::move(credential->access_key_id), std::move(credential->user_name), std::move(signed_path),
                   std::string(scope->service), std::move(session)};
}

}  // namespace jobstream::auth
