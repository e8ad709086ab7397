#include "dynamodb/shard_iterator.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <charconv>
#include <ctime>

#include "auth/sigv4_crypto.h"

namespace jobstream::dynamodb {
namespace {

constexpr std::string_view kVersion = "1";
constexpr std::size_t kMaxIteratorLength = 2048;  // the API's bound on ShardIterator

ApiError InvalidIterator() { return ValidationException("Invalid ShardIterator"); }

// Consumes the decimal number before the next '.' (or the end) of text.
bool TakeNumber(std::string_view& text, std::int64_t& out) {
  std::size_t end = text.find('.');
  std::string_view digits = text.substr(0, end);
  if (digits.empty() || digits.size() > 19) return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || out < 0) return false;
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return true;
}

// Kinesis's form, which DynamoDB Streams (built on it) shares: "Thu Jul 02 12:57:57 UTC 2015".
std::string AmzTime(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%a %b %d %H:%M:%S} UTC {:%Y}", utc, utc);
}

}  // namespace

Result<std::unique_ptr<ShardIterators>> ShardIterators::Load(const std::filesystem::path& data_dir,
                                                             std::string stream_arn,
                                                             std::chrono::milliseconds lifetime) {
  auto key = auth::LoadOrCreateSecretKey(data_dir / kKeyFileName, "the shard-iterator key");
  if (!key.ok()) return key.error();
  auto iterators = std::make_unique<ShardIterators>(*key, std::move(stream_arn), lifetime);
  OPENSSL_cleanse(key->data(), key->size());
  return iterators;
}

ShardIterators::ShardIterators(const auth::SecretKey& key, std::string stream_arn, std::chrono::milliseconds lifetime)
    : key_(key), stream_arn_(std::move(stream_arn)), lifetime_(lifetime) {}

std::string ShardIterators::Mac(std::string_view payload) const {
  std::string data = stream_arn_;
  data.push_back('|');
  data.append(payload);
  auto digest = auth::HexDigest(auth::HmacSha256(key_, data));
  return {digest.data(), digest.size()};
}

std::string ShardIterators::Encode(const IteratorPosition& position) const {
  auto created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(position.created.time_since_epoch()).count();
  std::string payload = fmt::format("{}.{}.{}.{}", kVersion, position.shard, position.after_sequence, created_ms);
  std::string mac = Mac(payload);
  return payload + "." + mac;
}

Result<IteratorPosition, ApiError> ShardIterators::Decode(std::string_view iterator,
                                                          std::chrono::system_clock::time_point now) const {
  if (iterator.size() > kMaxIteratorLength) return MakeUnexpected(InvalidIterator());
  const std::size_t last_dot = iterator.rfind('.');
  if (last_dot == std::string_view::npos) return MakeUnexpected(InvalidIterator());
  const std::string_view payload = iterator.substr(0, last_dot);
  const std::string_view mac = iterator.substr(last_dot + 1);
  const std::string expected = Mac(payload);
  if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return MakeUnexpected(InvalidIterator());
  }
  std::string_view rest = payload;
  std::int64_t version = 0;
  std::int64_t shard = 0;
  std::int64_t created_ms = 0;
  IteratorPosition position;
  if (!TakeNumber(rest, version) || version != 1 || !TakeNumber(rest, shard) ||
      !TakeNumber(rest, position.after_sequence) || !TakeNumber(rest, created_ms) || !rest.empty() ||
      shard > 1'000'000) {
    return MakeUnexpected(InvalidIterator());
  }
  position.shard = static_cast<int>(shard);
  position.created = std::chrono::system_clock::time_point(std::chrono::milliseconds(created_ms));
  if (now - position.created > lifetime_) {
    return MakeUnexpected(ExpiredIteratorException(fmt::format(
        "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the "
        "future than the tolerated delay of {} milliseconds.",
        AmzTime(position.created), AmzTime(now), lifetime_.count())));
  }
  return position;
}

}  // namespace jobstream::dynamodb
