#include "auth/sigv4_claim.h"

#include <algorithm>
#include <map>

#include "auth/sigv4_crypto.h"

namespace jobstream::auth {
namespace {

bool IsAuthSeparator(char c) { return c == ' ' || c == '\t' || c == ','; }

// RFC 9110 token characters: what a header name may contain.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string QuotedHash(std::string_view text) { return "'" + Base64Encode(Sha256(text)) + "'."; }

// Splits the Authorization value the way API Gateway does: on spaces, tabs and commas, so
// "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=b" and "...Credential=a,SignedHeaders=b" read
// alike. The first token is the algorithm; every other one must be key=value.
Result<std::map<std::string, std::string>, AuthFailure> ReadAuthorizationFields(std::string_view authorization,
                                                                                std::string& algorithm) {
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  bool first = true;
  while (pos < authorization.size()) {
    while (pos < authorization.size() && IsAuthSeparator(authorization[pos])) ++pos;
    std::size_t end = pos;
    while (end < authorization.size() && !IsAuthSeparator(authorization[end])) ++end;
    if (end == pos) break;
    std::string_view token = authorization.substr(pos, end - pos);
    pos = end;
    std::size_t equals = token.find('=');
    if (first) {
      first = false;
      if (equals != std::string_view::npos) {
        return MakeUnexpected(
            IncompleteSignature("Authorization header must begin with the algorithm name, which cannot include an "
                                "equal-sign"));
      }
      algorithm = std::string(token);
      continue;
    }
    if (equals == std::string_view::npos) {
      // API Gateway quotes a hash of the header, not the header: it may hold a bearer secret.
      return MakeUnexpected(
          IncompleteSignature("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
                              "SHA-256 and encoded with Base64): " +
                              QuotedHash(authorization)));
    }
    std::string key(token.substr(0, equals));
    if (!fields.emplace(key, std::string(token.substr(equals + 1))).second) {
      return MakeUnexpected(IncompleteSignature("Authorization header has duplicate '" + key +
                                                "' parameter. Authorization=" + std::string(authorization)));
    }
  }
  return fields;
}

std::string FieldOrEmpty(const std::map<std::string, std::string>& fields, const char* key) {
  auto found = fields.find(key);
  return found == fields.end() ? std::string() : found->second;
}

AuthFailure BadDate(std::string_view text) {
  return IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + std::string(text) +
                             "'. See http://en.wikipedia.org/wiki/ISO_8601");
}

// X-Amz-Expires as S3 validates it (API Gateway's own wording could not be confirmed).
Result<std::chrono::seconds, AuthFailure> ParseExpires(std::string_view text) {
  std::string_view digits = text;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 12 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return MakeUnexpected(IncompleteSignature("X-Amz-Expires should be a number"));
  }
  if (negative) return MakeUnexpected(IncompleteSignature("X-Amz-Expires must be non-negative"));
  long long seconds = std::stoll(std::string(digits));
  if (seconds > 604800) {
    return MakeUnexpected(IncompleteSignature("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
  }
  return std::chrono::seconds{seconds};
}

}  // namespace

AuthFailure IncompleteSignature(std::string message) { return {std::string(kIncompleteSignature), std::move(message)}; }

AuthFailure InvalidSignature(std::string message) { return {std::string(kInvalidSignature), std::move(message)}; }

std::vector<std::string_view> HeaderValues(const SignedRequestView& request, std::string_view name) {
  std::vector<std::string_view> values;
  for (const auto& [header_name, value] : request.headers) {
    if (EqualsIgnoreCase(header_name, name)) values.push_back(value);
  }
  return values;
}

Result<SignatureClaim, AuthFailure> ReadHeaderClaim(const SignedRequestView& request, std::string_view authorization) {
  if (authorization.size() > kMaxAuthorizationLength) {
    return MakeUnexpected(IncompleteSignature("Authorization header is too long."));
  }
  SignatureClaim claim;
  auto fields = ReadAuthorizationFields(authorization, claim.algorithm);
  if (!fields.ok()) return MakeUnexpected(fields.error());
  claim.credential = FieldOrEmpty(*fields, "Credential");
  claim.signature = FieldOrEmpty(*fields, "Signature");
  claim.signed_headers = FieldOrEmpty(*fields, "SignedHeaders");

  std::vector<std::string_view> amz_dates = HeaderValues(request, "x-amz-date");
  std::vector<std::string_view> http_dates = HeaderValues(request, "date");
  std::string missing;
  if (claim.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (claim.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (claim.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (amz_dates.empty() && http_dates.empty()) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    return MakeUnexpected(IncompleteSignature(missing + "Authorization=" + std::string(authorization)));
  }

  // X-Amz-Date wins over Date: clients that cannot set Date (browsers) send X-Amz-Date.
  std::string_view date_text = amz_dates.empty() ? http_dates.front() : amz_dates.front();
  std::optional<TimePoint> time = amz_dates.empty() ? ParseHttpDate(date_text) : ParseAmzDate(date_text);
  if (!time) return MakeUnexpected(BadDate(date_text));
  claim.request_time = *time;
  claim.amz_date = FormatAmzDate(*time);

  std::vector<std::string_view> tokens = HeaderValues(request, "x-amz-security-token");
  if (!tokens.empty()) claim.session_token = std::string(tokens.front());
  claim.query = ParseQuery(SplitTarget(request.target).second);
  if (claim.query.size() > kMaxQueryParameters) {
    return MakeUnexpected(IncompleteSignature("The query string has too many parameters."));
  }
  return claim;
}

Result<SignatureClaim, AuthFailure> ReadQueryClaim(std::vector<QueryParameter> query) {
  if (query.size() > kMaxQueryParameters) {
    return MakeUnexpected(IncompleteSignature("The query string has too many parameters."));
  }
  // The first occurrence of each parameter counts, as in most query parsers.
  auto first = [&query](std::string_view key) -> const std::string* {
    for (const QueryParameter& parameter : query) {
      if (parameter.key == key) return &parameter.value;
    }
    return nullptr;
  };
  std::string missing;
  for (const char* key :
       {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}) {
    const std::string* value = first(key);
    if (value == nullptr || value->empty()) {
      missing += std::string("AWS query-string parameters must include '") + key + "'. ";
    }
  }
  if (!missing.empty()) {
    return MakeUnexpected(IncompleteSignature(missing + "Re-examine the query-string parameters."));
  }
  SignatureClaim claim;
  claim.presigned = true;
  claim.algorithm = *first("X-Amz-Algorithm");
  claim.credential = *first("X-Amz-Credential");
  claim.signature = *first("X-Amz-Signature");
  claim.signed_headers = *first("X-Amz-SignedHeaders");
  const std::string& date_text = *first("X-Amz-Date");
  std::optional<TimePoint> time = ParseAmzDate(date_text);
  if (!time) return MakeUnexpected(BadDate(date_text));
  claim.request_time = *time;
  claim.amz_date = date_text;
  if (const std::string* expires = first("X-Amz-Expires")) {
    auto parsed = ParseExpires(*expires);
    if (!parsed.ok()) return MakeUnexpected(parsed.error());
    claim.expires = *parsed;
  }
  if (const std::string* token = first("X-Amz-Security-Token")) claim.session_token = *token;
  std::erase_if(query, [](const QueryParameter& p) { return p.key == "X-Amz-Signature"; });
  claim.query = std::move(query);
  return claim;
}

Result<std::vector<std::string>, AuthFailure> ParseSignedHeaders(std::string_view signed_headers) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= signed_headers.size()) {
    std::size_t end = signed_headers.find(';', start);
    if (end == std::string_view::npos) end = signed_headers.size();
    std::string_view name = signed_headers.substr(start, end - start);
    if (name.empty() || name.size() > kMaxHeaderNameLength || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return MakeUnexpected(
          IncompleteSignature("SignedHeaders contains an invalid header name: '" + std::string(name) + "'."));
    }
    if (names.size() == kMaxSignedHeaders) {
      return MakeUnexpected(
          IncompleteSignature("SignedHeaders lists more than " + std::to_string(kMaxSignedHeaders) + " headers."));
    }
    names.push_back(ToLowerAscii(name));
    start = end + 1;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Result<CredentialScopeParts, AuthFailure> ParseCredential(std::string_view credential) {
  // Trailing slashes are ignored, as by AWS.
  std::string_view trimmed = credential;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= trimmed.size() && parts.size() <= 5) {
    std::size_t end = trimmed.find('/', start);
    if (end == std::string_view::npos) end = trimmed.size();
    parts.emplace_back(trimmed.substr(start, end - start));
    start = end + 1;
  }
  if (parts.size() != 5) {
    return MakeUnexpected(
        IncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. "
                            "keyid/date/region/service/term, got '" +
                            std::string(credential) + "'"));
  }
  return CredentialScopeParts{std::move(parts[0]), std::move(parts[1]), std::move(parts[2]), std::move(parts[3]),
                              std::move(parts[4])};
}

}  // namespace jobstream::auth
