#include "auth/sigv4_claim.h"

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include "auth/sigv4_crypto.h"

namespace jobstream::auth {
namespace {

bool IsAuthSeparator(char c) { return c == ' ' || c == '\t' || c == ','; }

// RFC 9110 token characters: what a header name may contain. A table: every character of every
// signed header name is checked on every request.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (unsigned char c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (unsigned char c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (unsigned char c = '0'; c <= '9'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool IsTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

std::string QuotedHash(std::string_view text) { return "'" + Base64Encode(Sha256(text)) + "'."; }

// The Authorization fields the verifier reads; each empty when absent.
struct AuthorizationFields {
  std::string_view algorithm;
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
};

// The keys of an Authorization header seen so far, to refuse a repeated one. A real header has
// three; past a handful (a client may send thousands) they move to a set, so the check never
// turns quadratic.
class SeenKeys {
 public:
  // False when key was already there.
  bool Insert(std::string_view key) {
    if (overflow_.empty()) {
      for (std::size_t i = 0; i < count_; ++i) {
        if (first_[i] == key) return false;
      }
      if (count_ < first_.size()) {
        first_[count_++] = key;
        return true;
      }
      overflow_.insert(first_.begin(), first_.end());
    }
    return overflow_.insert(key).second;
  }

 private:
  std::array<std::string_view, 8> first_{};
  std::size_t count_ = 0;
  std::set<std::string_view> overflow_;
};

// Splits the Authorization value the way API Gateway does: on spaces, tabs and commas, so
// "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=b" and "...Credential=a,SignedHeaders=b" read
// alike. The first token is the algorithm; every other one must be key=value, each key once.
Result<AuthorizationFields, AuthFailure> ReadAuthorizationFields(std::string_view authorization) {
  AuthorizationFields fields;
  SeenKeys seen;
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
      fields.algorithm = token;
      continue;
    }
    if (equals == std::string_view::npos) {
      // API Gateway quotes a hash of the header, not the header: it may hold a bearer secret.
      return MakeUnexpected(
          IncompleteSignature("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
                              "SHA-256 and encoded with Base64): " +
                              QuotedHash(authorization)));
    }
    std::string_view key = token.substr(0, equals);
    if (!seen.Insert(key)) {
      return MakeUnexpected(IncompleteSignature("Authorization header has duplicate '" + std::string(key) +
                                                "' parameter. Authorization=" + std::string(authorization)));
    }
    std::string_view value = token.substr(equals + 1);
    if (key == "Credential") {
      fields.credential = value;
    } else if (key == "SignedHeaders") {
      fields.signed_headers = value;
    } else if (key == "Signature") {
      fields.signature = value;
    }
  }
  return fields;
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

HeaderLookup FindHeader(const SignedRequestView& request, std::string_view name) {
  HeaderLookup found;
  for (const auto& [header_name, value] : request.headers) {
    if (!EqualsIgnoreCase(header_name, name)) continue;
    if (found.count++ == 0) found.first = value;
  }
  return found;
}

Result<SignatureClaim, AuthFailure> ReadHeaderClaim(const SignedRequestView& request, std::string_view authorization) {
  if (authorization.size() > kMaxAuthorizationLength) {
    return MakeUnexpected(IncompleteSignature("Authorization header is too long."));
  }
  auto fields = ReadAuthorizationFields(authorization);
  if (!fields.ok()) return MakeUnexpected(fields.error());
  SignatureClaim claim;
  claim.algorithm = fields->algorithm;
  claim.credential = fields->credential;
  claim.signature = fields->signature;
  claim.signed_headers = fields->signed_headers;

  // The first of each, in one pass over the headers.
  std::optional<std::string_view> amz_date;
  std::optional<std::string_view> http_date;
  for (const auto& [name, value] : request.headers) {
    if (!amz_date && EqualsIgnoreCase(name, "x-amz-date")) {
      amz_date = value;
    } else if (!http_date && EqualsIgnoreCase(name, "date")) {
      http_date = value;
    } else if (!claim.session_token && EqualsIgnoreCase(name, "x-amz-security-token")) {
      claim.session_token = value;
    }
  }
  std::string missing;
  if (claim.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (claim.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (claim.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!amz_date && !http_date) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    return MakeUnexpected(IncompleteSignature(missing + "Authorization=" + std::string(authorization)));
  }

  // X-Amz-Date wins over Date: clients that cannot set Date (browsers) send X-Amz-Date.
  std::string_view date_text = amz_date ? *amz_date : *http_date;
  std::optional<TimePoint> time = amz_date ? ParseAmzDate(date_text) : ParseHttpDate(date_text);
  if (!time) return MakeUnexpected(BadDate(date_text));
  claim.request_time = *time;
  // An X-Amz-Date that parses is already in the one form FormatAmzDate writes.
  claim.amz_date = amz_date ? std::string(*amz_date) : FormatAmzDate(*time);

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
  SignatureClaim claim;
  claim.presigned = true;
  // The claim's views point into these strings, which stay where they are from here on.
  claim.presigned_query = std::move(query);
  const std::vector<QueryParameter>& parameters = claim.presigned_query;
  // The first occurrence of each parameter counts, as in most query parsers.
  auto first = [&parameters](std::string_view key) -> const std::string* {
    for (const QueryParameter& parameter : parameters) {
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
  claim.query.reserve(parameters.size());
  for (const QueryParameter& parameter : parameters) {
    if (parameter.key != "X-Amz-Signature") claim.query.push_back(parameter);
  }
  return claim;
}

Result<std::vector<std::string>, AuthFailure> ParseSignedHeaders(std::string_view signed_headers) {
  std::vector<std::string> names;
  names.reserve(std::min(static_cast<std::size_t>(std::count(signed_headers.begin(), signed_headers.end(), ';')) + 1,
                         kMaxSignedHeaders));
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
  // Clients send the list sorted and unique already; only the others pay for the sort.
  if (std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) != names.end()) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  return names;
}

Result<CredentialScopeParts, AuthFailure> ParseCredential(std::string_view credential) {
  // Trailing slashes are ignored, as by AWS.
  std::string_view trimmed = credential;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  // One more slot than needed, to tell five parts from more.
  std::array<std::string_view, 6> parts;
  std::size_t count = 0;
  std::size_t start = 0;
  while (start <= trimmed.size() && count < parts.size()) {
    std::size_t end = trimmed.find('/', start);
    if (end == std::string_view::npos) end = trimmed.size();
    parts[count++] = trimmed.substr(start, end - start);
    start = end + 1;
  }
  if (count != 5) {
    return MakeUnexpected(
        IncompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. "
                            "keyid/date/region/service/term, got '" +
                            std::string(credential) + "'"));
  }
  return CredentialScopeParts{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

}  // namespace jobstream::auth
