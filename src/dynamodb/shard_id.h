// Shard ids of the DynamoDB Streams API for jobstream's fixed shards.
//
// Format: "shardId-<20 digits>-<8 hex digits>", 37 characters (the API allows 28 to 65, and
// botocore refuses shorter ones on the client). The digits are those of the stream label (the
// data directory's creation time, "2026-12-07T03:45:12.123" → 00020261207034512123), the hex
// digits the shard's index: stable for a data directory, different for another one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/aws_account.h"

namespace jobstream::dynamodb {

std::string ShardIdOf(const AwsAccount& account, int shard);
// The index of shard_id among the stream's shard_count shards, or nullopt if it names none.
std::optional<int> ShardIndexOf(const AwsAccount& account, std::string_view shard_id, int shard_count);

}  // namespace jobstream::dynamodb
