// Shard iterators of the DynamoDB Streams API: a position in one shard, opaque and tamper-proof
// to the client, valid for 15 minutes as DynamoDB's.
//
// Text: "1.<shard>.<after sequence>.<created, ms since the epoch>.<HMAC-SHA256, hex>", the MAC over
// the stream ARN and the rest under DATA_DIR/shard-iterator.key, so an iterator altered by a
// client, or made by another data directory, is refused. About 100 characters (the API allows
// 2,048). No server-side state: an iterator survives a restart until it expires.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/secret_key_file.h"
#include "dynamodb/json_protocol.h"

namespace jobstream::dynamodb {

struct IteratorPosition {
  int shard = 0;
  std::int64_t after_sequence = 0;  // the next record read is the shard's first one after this
  std::chrono::system_clock::time_point created;
};

// Thread-safe (constant after construction).
class ShardIterators {
 public:
  static constexpr std::string_view kKeyFileName = "shard-iterator.key";
  static constexpr std::chrono::milliseconds kLifetime = std::chrono::minutes(15);

  // Loads DATA_DIR/shard-iterator.key, creating it the first time.
  static Result<std::unique_ptr<ShardIterators>> Load(const std::filesystem::path& data_dir, std::string stream_arn,
                                                      std::chrono::milliseconds lifetime = kLifetime);
  ShardIterators(const auth::SecretKey& key, std::string stream_arn, std::chrono::milliseconds lifetime);

  std::string Encode(const IteratorPosition& position) const;
  // The position, or a ValidationException for anything this key did not make, or an
  // ExpiredIteratorException once it is older than the lifetime.
  Result<IteratorPosition, ApiError> Decode(std::string_view iterator, std::chrono::system_clock::time_point now) const;

 private:
  std::string Mac(std::string_view payload) const;

  const auth::SecretKey key_;
  const std::string stream_arn_;
  const std::chrono::milliseconds lifetime_;
};

}  // namespace jobstream::dynamodb
