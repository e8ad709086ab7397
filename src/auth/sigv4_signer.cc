#include "auth/sigv4_signer.h"

#include <algorithm>

#include "auth/signing_key_cache.h"
#include "auth/sigv4_canonical.h"
#include "auth/sigv4_crypto.h"
#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

constexpr std::string_view kReservedHeaders[] = {"authorization", "x-amz-date", "x-amz-security-token",
                                                 "x-amz-content-sha256"};

Status CheckRequest(const RequestToSign& request, const SigningCredentials& credentials) {
  if (request.method.empty()) return Status::InvalidArgument("the request has no method");
  if (request.target.empty() || request.target.front() != '/') {
    return Status::InvalidArgument("the request target must start with '/'");
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("an access key id and a secret access key are required");
  }
  bool has_host = false;
  for (const auto& header : request.headers) {
    const std::string& name = header.first;
    if (EqualsIgnoreCase(name, "host")) has_host = true;
    if (std::any_of(std::begin(kReservedHeaders), std::end(kReservedHeaders),
                    [&name](std::string_view reserved) { return EqualsIgnoreCase(name, reserved); })) {
      return Status::InvalidArgument("the signer adds the " + name + " header itself");
    }
  }
  if (!has_host) return Status::InvalidArgument("the Host header must be signed");
  return Status::Ok();
}

// Lowercase, sorted, unique names of headers.
std::vector<std::string> SignedNames(std::span<const HeaderField> headers) {
  std::vector<std::string> names;
  names.reserve(headers.size());
  for (const auto& [name, value] : headers) names.push_back(ToLowerAscii(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// Views of headers, with room for `extra` more.
std::vector<HeaderField> AsFields(const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::size_t extra = 0) {
  std::vector<HeaderField> fields;
  fields.reserve(headers.size() + extra);
  for (const auto& [name, value] : headers) fields.emplace_back(name, value);
  return fields;
}

// What one signing needs besides the request itself.
struct SigningContext {
  std::string_view amz_date;
  const SigningCredentials& credentials;
  const SignerOptions& options;
  SigningKeyCache* key_cache;  // may be null
};

SigningTrace Sign(std::string_view method, std::string_view path, const std::vector<QueryParameter>& query,
                  std::span<const HeaderField> headers, const std::vector<std::string>& signed_names,
                  std::string_view payload_hash, const SigningContext& context) {
  SigningTrace trace;
  AppendCanonicalRequest(trace.canonical_request, {.method = method,
                                                   .raw_path = path,
                                                   .normalize_path = context.options.normalize_path,
                                                   .query = query,
                                                   .headers = headers,
                                                   .signed_names = signed_names,
                                                   .payload_hash = payload_hash});
  std::string_view date_stamp = context.amz_date.substr(0, 8);
  const SignerOptions& options = context.options;
  AppendStringToSign(trace.string_to_sign, context.amz_date, date_stamp, options.region, options.service,
                     trace.canonical_request);
  std::string_view secret = context.credentials.secret_access_key;
  Sha256Digest key = context.key_cache != nullptr
                         ? context.key_cache->Get(secret, date_stamp, options.region, options.service)
                         : DeriveSigningKey(secret, date_stamp, options.region, options.service);
  trace.signature = SignatureFor(key, trace.string_to_sign);
  return trace;
}

void AppendQueryParameter(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  AppendUriEncoded(query, key);
  query.push_back('=');
  AppendUriEncoded(query, value);
}

}  // namespace

Result<HeaderSignature> SignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                    const SignerOptions& options, std::chrono::system_clock::time_point now,
                                    SigningKeyCache* key_cache) {
  if (Status status = CheckRequest(request, credentials); !status.ok()) return status;
  std::string amz_date = FormatAmzDate(now);
  Sha256Hex payload_hash = HexDigest(Sha256(request.body));
  std::string_view payload_hash_text(payload_hash.data(), payload_hash.size());

  HeaderSignature result;
  result.headers_to_add.reserve(4);
  result.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) {
    result.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options.add_content_sha256_header) {
    result.headers_to_add.emplace_back("X-Amz-Content-Sha256", payload_hash_text);
  }
  // Views into request.headers and headers_to_add: used up before headers_to_add grows again.
  std::vector<HeaderField> signed_headers = AsFields(request.headers, result.headers_to_add.size());
  for (const auto& [name, value] : result.headers_to_add) signed_headers.emplace_back(name, value);
  std::vector<std::string> names = SignedNames(signed_headers);
  auto [path, query] = SplitTarget(request.target);
  result.trace = Sign(request.method, path, ParseQuery(query), signed_headers, names, payload_hash_text,
                      {amz_date, credentials, options, key_cache});
  signed_headers.clear();

  if (has_token && !options.sign_session_token) {
    result.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string authorization;
  authorization.reserve(kSigV4Algorithm.size() + credentials.access_key_id.size() + amz_date.size() +
                        options.region.size() + options.service.size() + 64 + 16 * names.size() +
                        result.trace.signature.size());
  authorization.append(kSigV4Algorithm).append(" Credential=").append(credentials.access_key_id).push_back('/');
  AppendCredentialScope(authorization, std::string_view(amz_date).substr(0, 8), options.region, options.service);
  authorization.append(", SignedHeaders=");
  AppendSignedHeaderNames(authorization, names);
  authorization.append(", Signature=").append(result.trace.signature);
  result.headers_to_add.emplace_back("Authorization", std::move(authorization));
  return result;
}

Result<PresignedRequest> PresignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                        const SignerOptions& options, std::chrono::seconds expires,
                                        std::chrono::system_clock::time_point now, SigningKeyCache* key_cache) {
  if (Status status = CheckRequest(request, credentials); !status.ok()) return status;
  if (expires < std::chrono::seconds{1} || expires > kMaxPresignExpiry) {
    return Status::InvalidArgument("a presigned request expires after 1 to 604800 seconds");
  }
  std::string amz_date = FormatAmzDate(now);
  std::string scope = CredentialScope(std::string_view(amz_date).substr(0, 8), options.region, options.service);
  std::vector<HeaderField> headers = AsFields(request.headers);
  std::vector<std::string> names = SignedNames(headers);
  std::string names_text;
  AppendSignedHeaderNames(names_text, names);

  auto [path, query] = SplitTarget(request.target);
  std::string auth_query;
  AppendQueryParameter(auth_query, "X-Amz-Algorithm", kSigV4Algorithm);
  AppendQueryParameter(auth_query, "X-Amz-Credential", credentials.access_key_id + "/" + scope);
  AppendQueryParameter(auth_query, "X-Amz-Date", amz_date);
  AppendQueryParameter(auth_query, "X-Amz-Expires", std::to_string(expires.count()));
  AppendQueryParameter(auth_query, "X-Amz-SignedHeaders", names_text);
  bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) {
    AppendQueryParameter(auth_query, "X-Amz-Security-Token", credentials.session_token);
  }

  std::string signed_query(query);
  if (!signed_query.empty()) signed_query.push_back('&');
  signed_query.append(auth_query);

  PresignedRequest result;
  Sha256Hex payload_hash = HexDigest(Sha256(request.body));
  result.trace =
      Sign(request.method, path, ParseQuery(signed_query), headers, names,
           std::string_view(payload_hash.data(), payload_hash.size()), {amz_date, credentials, options, key_cache});
  if (has_token && !options.sign_session_token) {
    AppendQueryParameter(signed_query, "X-Amz-Security-Token", credentials.session_token);
  }
  AppendQueryParameter(signed_query, "X-Amz-Signature", result.trace.signature);
  result.target = std::string(path) + "?" + signed_query;
  return result;
}

}  // namespace jobstream::auth
