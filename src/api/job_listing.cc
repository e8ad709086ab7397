#include "api/job_listing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "auth/sigv4_canonical.h"
#include "auth/sigv4_crypto.h"

namespace jobstream::api {
namespace {

// What the cursor's text starts with: its format, so that a later format can tell it apart.
constexpr std::string_view kCursorFormat = "j1";
constexpr char kCursorSeparator = '\n';
// The cursor ends with this many bytes of the SHA-256 of the rest: a cursor cut short, extended
// or mistyped is refused (400) rather than read as another position. Integrity against mistakes,
// not against forgery: a forged position only pages the caller's own listing from elsewhere.
constexpr std::size_t kCheckBytes = 4;
// Ids are UUIDs for POST /jobs; items the DynamoDB API writes may carry longer keys (DynamoDB's
// bound on a partition key is 2048 bytes).
constexpr std::size_t kMaxCursorIdBytes = 2048;
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::string_view, 5> kStatuses = {"Pending", "Running", "Success", "Failure", "Filtered"};

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto chunk = (static_cast<unsigned char>(bytes[i]) << 16U) | (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      out.push_back(kAlphabet[(chunk >> static_cast<unsigned>(shift)) & 63U]);
  }
  if (i < bytes.size()) {
    unsigned chunk = static_cast<unsigned char>(bytes[i]) << 16U;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8U;
    out.push_back(kAlphabet[(chunk >> 18U) & 63U]);
    out.push_back(kAlphabet[(chunk >> 12U) & 63U]);
    if (i + 1 < bytes.size()) out.push_back(kAlphabet[(chunk >> 6U) & 63U]);
  }
  return out;  // unpadded: the cursor travels in a query string
}

// The bytes of unpadded base64url text, or nullopt (any other character, or an impossible length
// or trailing bits: one text per cursor).
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  unsigned bits = 0;
  for (char c : text) {
    std::size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFU));
    }
  }
  if ((buffer & ((1U << bits) - 1U)) != 0) return std::nullopt;
  return out;
}

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string_view CheckOf(const auth::Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), kCheckBytes};
}

}  // namespace

bool IsJobStatus(std::string_view status) {
  return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

std::string EncodeJobCursor(std::string_view status, std::string_view last_id) {
  std::string text;
  text.reserve(kCursorFormat.size() + status.size() + last_id.size() + 2);
  text.append(kCursorFormat).push_back(kCursorSeparator);
  text.append(status).push_back(kCursorSeparator);
  text.append(last_id);
  const auto digest = auth::Sha256(text);
  text.append(CheckOf(digest));
  return Base64UrlEncode(text);
}

Result<std::string> DecodeJobCursor(std::string_view cursor, std::string_view status) {
  auto text = Base64UrlDecode(cursor);
  if (text && text->size() > kCheckBytes) {
    const std::string check = text->substr(text->size() - kCheckBytes);  // a copy: resize writes the end
    text->resize(text->size() - kCheckBytes);
    if (CheckOf(auth::Sha256(*text)) != check) text.reset();
  } else {
    text.reset();
  }
  const std::string_view prefix = kCursorFormat;
  if (!text || !std::string_view(*text).starts_with(prefix) || text->size() <= prefix.size() ||
      (*text)[prefix.size()] != kCursorSeparator) {
    return Invalid("cursor is not a cursor this server issued: pass nextCursor exactly as a listing returned it");
  }
  std::string_view rest = std::string_view(*text).substr(prefix.size() + 1);
  const std::size_t separator = rest.find(kCursorSeparator);
  if (separator == std::string_view::npos) {
    return Invalid("cursor is not a cursor this server issued: pass nextCursor exactly as a listing returned it");
  }
  const std::string_view issued_for = rest.substr(0, separator);
  const std::string_view id = rest.substr(separator + 1);
  if (id.empty() || id.size() > kMaxCursorIdBytes) {
    return Invalid("cursor is not a cursor this server issued: pass nextCursor exactly as a listing returned it");
  }
  if (issued_for != status) {
    return Invalid(issued_for.empty() ? "cursor belongs to a listing without status: repeat that listing's query"
                                      : "cursor belongs to a listing with status=" + std::string(issued_for) +
                                            ": repeat that listing's query");
  }
  return std::string(id);
}

Result<ListJobsQuery> ParseListJobsQuery(std::string_view raw_query) {
  ListJobsQuery query;
  bool seen_status = false;
  bool seen_limit = false;
  std::string cursor;
  bool seen_cursor = false;
  for (auto& [key, value] : auth::ParseQuery(raw_query)) {
    // A presigned request's signature travels in the query; the verifier has checked it.
    if (key.size() > 6 && std::equal(key.begin(), key.begin() + 6, "X-Amz-", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      continue;
    }
    bool* seen = key == "status"   ? &seen_status
                 : key == "limit"  ? &seen_limit
                 : key == "cursor" ? &seen_cursor
                                   : nullptr;
    if (seen == nullptr) {
      return Invalid("unknown query parameter '" + key.substr(0, 64) + "': GET /jobs takes status, limit and cursor");
    }
    if (*seen) return Invalid("query parameter '" + key + "' is given more than once");
    *seen = true;
    if (key == "status") {
      if (!IsJobStatus(value)) {
        return Invalid("status must be one of Pending, Running, Success, Failure, Filtered");
      }
      query.status = std::move(value);
    } else if (key == "limit") {
      std::size_t limit = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
      bool digits =
          !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || error != std::errc() || end != value.data() + value.size() || limit < 1 || limit > kMaxListLimit) {
        return Invalid("limit must be an integer from 1 to " + std::to_string(kMaxListLimit));
      }
      query.limit = limit;
    } else {
      cursor = std::move(value);
    }
  }
  if (seen_cursor) {
    auto before = DecodeJobCursor(cursor, query.status);
    if (!before.ok()) return before.error();
    query.before_id = std::move(before).value();
  }
  return query;
}

}  // namespace jobstream::api
