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
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLowerAscii(name);
    if (lower == "host") has_host = true;
    if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), lower) != std::end(kReservedHeaders)) {
      return Status::InvalidArgument("the signer adds the " + name + " header itself");
    }
  }
  if (!has_host) return Status::InvalidArgument("the Host header must be signed");
  return Status::Ok();
}

// Lowercase, sorted, unique names of headers.
std::vector<std::string> SignedNames(const std::vector<HeaderField>& headers) {
  std::vector<std::string> names;
  names.reserve(headers.size());
  for (const auto& [name, value] : headers) names.push_back(ToLowerAscii(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<HeaderField> AsFields(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<HeaderField> fields;
  fields.reserve(headers.size());
  for (const auto& [name, value] : headers) fields.emplace_back(name, value);
  return fields;
}

SigningTrace Sign(std::string_view method, std::string_view path, std::string_view canonical_query,
                  const std::vector<HeaderField>& headers, std::string_view body, std::string_view amz_date,
                  std::string_view scope, const SigningCredentials& credentials, const SignerOptions& options) {
  SigningTrace trace;
  CanonicalHeaders canonical_headers = BuildCanonicalHeaders(headers, SignedNames(headers));
  trace.canonical_request = BuildCanonicalRequest(method, CanonicalUri(path, options.normalize_path), canonical_query,
                                                  canonical_headers, HexSha256(body));
  trace.string_to_sign = BuildStringToSign(amz_date, scope, trace.canonical_request);
  Sha256Digest key =
      DeriveSigningKey(credentials.secret_access_key, amz_date.substr(0, 8), options.region, options.service);
  trace.signature = SignatureFor(key, trace.string_to_sign);
  return trace;
}

void AppendQueryParameter(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query.append(UriEncode(key));
  query.push_back('=');
  query.append(UriEncode(value));
}

}  // namespace

Result<HeaderSignature> SignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                    const SignerOptions& options, std::chrono::system_clock::time_point now) {
  if (Status status = CheckRequest(request, credentials); !status.ok()) return status;
  std::string amz_date = FormatAmzDate(now);
  std::string scope = CredentialScope(amz_date.substr(0, 8), options.region, options.service);

  HeaderSignature result;
  result.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) {
    result.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options.add_content_sha256_header) {
    result.headers_to_add.emplace_back("X-Amz-Content-Sha256", HexSha256(request.body));
  }
  // Views into request.headers and headers_to_add: used up before headers_to_add grows again.
  std::vector<HeaderField> signed_headers = AsFields(request.headers);
  for (const auto& [name, value] : result.headers_to_add) signed_headers.emplace_back(name, value);
  std::string names = BuildCanonicalHeaders({}, SignedNames(signed_headers)).signed_headers;
  auto [path, query] = SplitTarget(request.target);
  result.trace = Sign(request.method, path, CanonicalQueryString(ParseQuery(query)), signed_headers, request.body,
                      amz_date, scope, credentials, options);
  signed_headers.clear();

  if (has_token && !options.sign_session_token) {
    result.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  result.headers_to_add.emplace_back(
      "Authorization", std::string(kSigV4Algorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                           ", SignedHeaders=" + names + ", Signature=" + result.trace.signature);
  return result;
}

Result<PresignedRequest> PresignRequest(const RequestToSign& request, const SigningCredentials& credentials,
                                        const SignerOptions& options, std::chrono::seconds expires,
                                        std::chrono::system_clock::time_point now) {
  if (Status status = CheckRequest(request, credentials); !status.ok()) return status;
  if (expires < std::chrono::seconds{1} || expires > kMaxPresignExpiry) {
    return Status::InvalidArgument("a presigned request expires after 1 to 604800 seconds");
  }
  std::string amz_date = FormatAmzDate(now);
  std::string scope = CredentialScope(amz_date.substr(0, 8), options.region, options.service);
  std::vector<HeaderField> headers = AsFields(request.headers);
  std::string names = BuildCanonicalHeaders({}, SignedNames(headers)).signed_headers;

  auto [path, query] = SplitTarget(request.target);
  std::string auth_query;
  AppendQueryParameter(auth_query, "X-Amz-Algorithm", kSigV4Algorithm);
  AppendQueryParameter(auth_query, "X-Amz-Credential", credentials.access_key_id + "/" + scope);
  AppendQueryParameter(auth_query, "X-Amz-Date", amz_date);
  AppendQueryParameter(auth_query, "X-Amz-Expires", std::to_string(expires.count()));
  AppendQueryParameter(auth_query, "X-Amz-SignedHeaders", names);
  bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) {
    AppendQueryParameter(auth_query, "X-Amz-Security-Token", credentials.session_token);
  }

  std::string signed_query(query);
  if (!signed_query.empty()) signed_query.push_back('&');
  signed_query.append(auth_query);

  PresignedRequest result;
  result.trace = Sign(request.method, path, CanonicalQueryString(ParseQuery(signed_query)), headers, request.body,
                      amz_date, scope, credentials, options);
  if (has_token && !options.sign_session_token) {
    AppendQueryParameter(signed_query, "X-Amz-Security-Token", credentials.session_token);
  }
  AppendQueryParameter(signed_query, "X-Amz-Signature", result.trace.signature);
  result.target = std::string(path) + "?" + signed_query;
  return result;
}

}  // namespace jobstream::auth
