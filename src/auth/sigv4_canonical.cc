#include "auth/sigv4_canonical.h"

#include <algorithm>

#include "auth/sigv4_crypto.h"

namespace jobstream::auth {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Removes '.', '..' and empty segments the way AWS SDKs do (botocore's remove_dot_segments): the
// leading slash stays, a trailing slash stays only if the path ended in one and something is
// left, and '..' never climbs above the root.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  if (!path.empty() && path.front() == '/') out.push_back('/');
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(kept[i]);
  }
  if (!kept.empty() && path.back() == '/') out.push_back('/');
  return out;
}

// True when NormalizePath(path) == path: no '.' or '..' segment, and no empty segment but the
// ones a leading and a trailing slash leave. Nearly every real path; it then needs no copy.
bool IsNormalizedPath(std::string_view path) {
  std::size_t start = 0;
  while (true) {
    std::size_t end = path.find('/', start);
    bool last = end == std::string_view::npos;
    if (last) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    if (segment.empty() && start != 0 && !last) return false;
    if (last) return true;
    start = end + 1;
  }
}

// "name:value\n" per signed name; see BuildCanonicalHeaders.
void AppendCanonicalHeaderBlock(std::string& out, std::span<const HeaderField> headers,
                                const std::vector<std::string>& signed_names) {
  for (const std::string& name : signed_names) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (const auto& [header_name, header_value] : headers) {
      if (!EqualsIgnoreCase(header_name, name)) continue;
      if (!first) out.push_back(',');
      AppendCanonicalHeaderValue(out, header_value);
      first = false;
    }
    out.push_back('\n');
  }
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  std::string out;
  AppendUriEncoded(out, bytes, keep_slash);
  return out;
}

void AppendUriEncoded(std::string& out, std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.reserve(out.size() + bytes.size());
  // Runs of bytes that stay as they are are copied whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (IsUnreserved(c) || (keep_slash && c == '/')) continue;
    out.append(bytes.substr(run, i - run));
    const char escaped[] = {'%', kHex[c >> 4], kHex[c & 0x0f]};
    out.append(escaped, sizeof escaped);
    run = i + 1;
  }
  out.append(bytes.substr(run));
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::vector<QueryParameter> ParseQuery(std::string_view raw_query) {
  std::vector<QueryParameter> parameters;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    std::size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view pair = raw_query.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t equals = pair.find('=');
      if (equals == std::string_view::npos) {
        parameters.push_back({PercentDecode(pair), ""});
      } else {
        parameters.push_back({PercentDecode(pair.substr(0, equals)), PercentDecode(pair.substr(equals + 1))});
      }
    }
    start = end + 1;
  }
  return parameters;
}

std::string SignedPath(std::string_view raw_path, bool normalize_path) {
  if (!normalize_path || IsNormalizedPath(raw_path)) return std::string(raw_path);
  return NormalizePath(raw_path);
}

std::string CanonicalUri(std::string_view raw_path, bool normalize_path) {
  std::string out;
  AppendCanonicalUri(out, raw_path, normalize_path);
  return out;
}

void AppendCanonicalUri(std::string& out, std::string_view raw_path, bool normalize_path) {
  if (raw_path.empty()) {
    out.push_back('/');
  } else if (!normalize_path || IsNormalizedPath(raw_path)) {
    AppendUriEncoded(out, raw_path, /*keep_slash=*/true);
  } else {
    AppendUriEncoded(out, NormalizePath(raw_path), /*keep_slash=*/true);
  }
}

std::string CanonicalQueryString(const std::vector<QueryParameter>& parameters) {
  std::string out;
  AppendCanonicalQueryString(out, parameters);
  return out;
}

void AppendCanonicalQueryString(std::string& out, const std::vector<QueryParameter>& parameters) {
  if (parameters.empty()) return;
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(parameters.size());
  for (const QueryParameter& parameter : parameters) {
    encoded.emplace_back(UriEncode(parameter.key), UriEncode(parameter.value));
  }
  std::sort(encoded.begin(), encoded.end());
  bool first = true;
  for (const auto& [key, value] : encoded) {
    if (!first) out.push_back('&');
    first = false;
    out.append(key);
    out.push_back('=');
    out.append(value);
  }
}

std::string CanonicalHeaderValue(std::string_view raw_value) {
  std::string out;
  AppendCanonicalHeaderValue(out, raw_value);
  return out;
}

void AppendCanonicalHeaderValue(std::string& out, std::string_view raw_value) {
  // The words of the value (runs of anything but whitespace), joined with single spaces.
  bool first = true;
  std::size_t pos = 0;
  while (pos < raw_value.size()) {
    while (pos < raw_value.size() && IsSpace(raw_value[pos])) ++pos;
    std::size_t end = pos;
    while (end < raw_value.size() && !IsSpace(raw_value[end])) ++end;
    if (end == pos) break;
    if (!first) out.push_back(' ');
    first = false;
    out.append(raw_value.substr(pos, end - pos));
    pos = end;
  }
}

void AppendSignedHeaderNames(std::string& out, const std::vector<std::string>& signed_names) {
  for (std::size_t i = 0; i < signed_names.size(); ++i) {
    if (i > 0) out.push_back(';');
    out.append(signed_names[i]);
  }
}

CanonicalHeaders BuildCanonicalHeaders(std::span<const HeaderField> headers,
                                       const std::vector<std::string>& signed_names) {
  CanonicalHeaders result;
  AppendSignedHeaderNames(result.signed_headers, signed_names);
  AppendCanonicalHeaderBlock(result.block, headers, signed_names);
  return result;
}

std::string BuildCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                  std::string_view canonical_query, const CanonicalHeaders& headers,
                                  std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() + headers.block.size() +
              headers.signed_headers.size() + payload_hash.size() + 8);
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(headers.block).push_back('\n');
  out.append(headers.signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

void AppendCanonicalRequest(std::string& out, const CanonicalRequestInput& input) {
  out.append(input.method).push_back('\n');
  AppendCanonicalUri(out, input.raw_path, input.normalize_path);
  out.push_back('\n');
  AppendCanonicalQueryString(out, input.query);
  out.push_back('\n');
  AppendCanonicalHeaderBlock(out, input.headers, input.signed_names);
  out.push_back('\n');
  AppendSignedHeaderNames(out, input.signed_names);
  out.push_back('\n');
  out.append(input.payload_hash);
}

std::string CredentialScope(std::string_view date_stamp, std::string_view region, std::string_view service) {
  std::string scope;
  AppendCredentialScope(scope, date_stamp, region, service);
  return scope;
}

void AppendCredentialScope(std::string& out, std::string_view date_stamp, std::string_view region,
                           std::string_view service) {
  out.reserve(out.size() + date_stamp.size() + region.size() + service.size() + kScopeTerminator.size() + 3);
  out.append(date_stamp).push_back('/');
  out.append(region).push_back('/');
  out.append(service).push_back('/');
  out.append(kScopeTerminator);
}

std::string BuildStringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out;
  out.reserve(kSigV4Algorithm.size() + amz_date.size() + scope.size() + 2 * kSha256Size + 3);
  out.append(kSigV4Algorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  AppendHexSha256(out, canonical_request);
  return out;
}

void AppendStringToSign(std::string& out, std::string_view amz_date, std::string_view date_stamp,
                        std::string_view region, std::string_view service, std::string_view canonical_request) {
  out.reserve(out.size() + kSigV4Algorithm.size() + amz_date.size() + date_stamp.size() + region.size() +
              service.size() + kScopeTerminator.size() + 2 * kSha256Size + 6);
  out.append(kSigV4Algorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  AppendCredentialScope(out, date_stamp, region, service);
  out.push_back('\n');
  AppendHexSha256(out, canonical_request);
}

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

}  // namespace jobstream::auth
