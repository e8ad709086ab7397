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

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
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

std::string CanonicalUri(std::string_view raw_path, bool normalize_path) {
  if (raw_path.empty()) return "/";
  if (!normalize_path) return UriEncode(raw_path, /*keep_slash=*/true);
  return UriEncode(NormalizePath(raw_path), /*keep_slash=*/true);
}

std::string CanonicalQueryString(const std::vector<QueryParameter>& parameters) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(parameters.size());
  for (const QueryParameter& parameter : parameters) {
    encoded.emplace_back(UriEncode(parameter.key), UriEncode(parameter.value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key);
    out.push_back('=');
    out.append(value);
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view raw_value) {
  std::string out;
  out.reserve(raw_value.size());
  bool pending_space = false;
  for (char c : raw_value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

CanonicalHeaders BuildCanonicalHeaders(const std::vector<HeaderField>& headers,
                                       const std::vector<std::string>& signed_names) {
  CanonicalHeaders result;
  for (const std::string& name : signed_names) {
    if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
    result.signed_headers.append(name);
    result.block.append(name);
    result.block.push_back(':');
    bool first = true;
    for (const auto& [header_name, header_value] : headers) {
      if (!EqualsIgnoreCase(header_name, name)) continue;
      if (!first) result.block.push_back(',');
      result.block.append(CanonicalHeaderValue(header_value));
      first = false;
    }
    result.block.push_back('\n');
  }
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

std::string CredentialScope(std::string_view date_stamp, std::string_view region, std::string_view service) {
  std::string scope;
  scope.append(date_stamp).push_back('/');
  scope.append(region).push_back('/');
  scope.append(service).push_back('/');
  scope.append(kScopeTerminator);
  return scope;
}

std::string BuildStringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out;
  out.append(kSigV4Algorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(HexSha256(canonical_request));
  return out;
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
