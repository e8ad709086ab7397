// SigV4 canonicalization for every service but S3 (jobstream signs as "execute-api"): the
// canonical request and the string to sign, built identically by the signer and the verifier so
// the two can never disagree about what was signed.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobstream::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kScopeTerminator = "aws4_request";

// One query parameter, percent-decoded.
struct QueryParameter {
  std::string key;
  std::string value;
};

// A header as received or as to be sent: any name case, raw value.
using HeaderField = std::pair<std::string_view, std::string_view>;

// Percent-encodes every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - _ . ~), as %XX in
// uppercase hex; '/' is kept too when keep_slash.
std::string UriEncode(std::string_view bytes, bool keep_slash = false);

// Appends UriEncode(bytes, keep_slash) to out.
void AppendUriEncoded(std::string& out, std::string_view bytes, bool keep_slash = false);

// Decodes %XX escapes. A '%' not followed by two hex digits stays a literal '%', and '+' stays
// '+': SigV4 clients encode a space as %20.
std::string PercentDecode(std::string_view text);

// The path and the query of a request target ("/a/b?x=1" -> "/a/b", "x=1").
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

// The parameters of a raw query string in order; "k" without '=' is key k with an empty value.
std::vector<QueryParameter> ParseQuery(std::string_view raw_query);

// The path a signature covers: raw_path as sent (still percent-encoded) or, with normalize_path,
// with its '.', '..' and empty segments removed (a trailing slash is kept). CanonicalUri encodes
// exactly this, so it is also the only path a verified request may be routed on.
std::string SignedPath(std::string_view raw_path, bool normalize_path);

// The canonical URI of a path exactly as sent on the wire (still percent-encoded). With
// normalize_path, '.' and '..' segments and empty segments are removed first (a trailing slash is
// kept). Then the path is URI-encoded once more, '/' excepted: non-S3 services encode the path
// "twice", so "/a%20b" canonicalizes to "/a%2520b" while a raw "/a b" gives "/a%20b".
std::string CanonicalUri(std::string_view raw_path, bool normalize_path);

// Appends CanonicalUri(raw_path, normalize_path) to out.
void AppendCanonicalUri(std::string& out, std::string_view raw_path, bool normalize_path);

// Parameters re-encoded with UriEncode, sorted by encoded key then encoded value, '&'-joined;
// an empty value is kept as "key=".
std::string CanonicalQueryString(const std::vector<QueryParameter>& parameters);

// Appends CanonicalQueryString(parameters) to out.
void AppendCanonicalQueryString(std::string& out, const std::vector<QueryParameter>& parameters);

// A header value trimmed, with every inner run of whitespace (space, tab, CR, LF: so obs-fold
// continuation lines too) collapsed to one space.
std::string CanonicalHeaderValue(std::string_view raw_value);

// Appends CanonicalHeaderValue(raw_value) to out.
void AppendCanonicalHeaderValue(std::string& out, std::string_view raw_value);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per signed header
  std::string signed_headers;  // "host;x-amz-date"
};

// The canonical headers for signed_names, which must be lowercase, sorted and unique. Every
// header whose name matches (in any case) contributes, values joined with ',' in the order
// received; a signed name with no such header contributes "name:".
// Appends signed_names joined with ';': the SignedHeaders value.
void AppendSignedHeaderNames(std::string& out, const std::vector<std::string>& signed_names);

CanonicalHeaders BuildCanonicalHeaders(std::span<const HeaderField> headers,
                                       const std::vector<std::string>& signed_names);

std::string BuildCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                  std::string_view canonical_query, const CanonicalHeaders& headers,
                                  std::string_view payload_hash);

// What a request is canonicalized from; the views must outlive the call.
struct CanonicalRequestInput {
  std::string_view method;
  std::string_view raw_path;  // as sent, still percent-encoded
  bool normalize_path = true;
  const std::vector<QueryParameter>& query;
  std::span<const HeaderField> headers;
  const std::vector<std::string>& signed_names;  // lowercase, sorted, unique
  std::string_view payload_hash;                 // lowercase hex
};

// Appends the canonical request of input to out, byte for byte what BuildCanonicalRequest
// returns for CanonicalUri, CanonicalQueryString and BuildCanonicalHeaders of the same input,
// without building those intermediate strings.
void AppendCanonicalRequest(std::string& out, const CanonicalRequestInput& input);

// "20150830/us-east-1/execute-api/aws4_request"
std::string CredentialScope(std::string_view date_stamp, std::string_view region, std::string_view service);

// Appends CredentialScope(date_stamp, region, service) to out.
void AppendCredentialScope(std::string& out, std::string_view date_stamp, std::string_view region,
                           std::string_view service);

std::string BuildStringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);

// Appends BuildStringToSign(amz_date, CredentialScope(date_stamp, region, service),
// canonical_request) to out.
void AppendStringToSign(std::string& out, std::string_view amz_date, std::string_view date_stamp,
                        std::string_view region, std::string_view service, std::string_view canonical_request);

// ASCII lowercase of text.
std::string ToLowerAscii(std::string_view text);

// Case-insensitive ASCII equality, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace jobstream::auth
