#include "dynamodb/shard_id.h"

#include <fmt/format.h>

namespace jobstream::dynamodb {

std::string ShardIdOf(const AwsAccount& account, int shard) {
  std::string digits;
  for (char c : account.stream_label) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() > 20) digits.resize(20);
  return fmt::format("shardId-{:0>20}-{:08x}", digits, static_cast<unsigned>(shard));
}

std::optional<int> ShardIndexOf(const AwsAccount& account, std::string_view shard_id, int shard_count) {
  // Shard counts are small (at most a few hundred): comparing against each id is exact and simple.
  for (int shard = 0; shard < shard_count; ++shard) {
    if (ShardIdOf(account, shard) == shard_id) return shard;
  }
  return std::nullopt;
}

}  // namespace jobstream::dynamodb
