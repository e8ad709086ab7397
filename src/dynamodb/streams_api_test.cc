// The DynamoDB Streams operations over a real store: paging, iterator types, shard ids, trimming.
#include "dynamodb/streams_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <set>

#include "common/uuid.h"
#include "dynamodb/shard_id.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;
using std::chrono::system_clock;

constexpr int kShards = 3;

std::string Text(const json::value& value) { return std::string(value.as_string()); }

class StreamsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = kShards;
    auto opened = store::SqliteJobStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    iterators_ =
        std::make_unique<ShardIterators>(auth::SecretKey{}, store_->account().StreamArn(), ShardIterators::kLifetime);
    api_ = std::make_unique<StreamsApi>(*store_, *iterators_, stream::StreamViewType::kNewImage);
  }

  void Insert(int count) {
    for (int i = 0; i < count; ++i) {
      store::Job job;
      job.id = NewUuid();
      job.attributes = stream::ToAttributeMap(json::object{{"seconds", i}});
      job.created_at = job.updated_at = system_clock::now();
      std::promise<Status> done;
      store_->InsertJob(std::move(job), [&done](Status s) { done.set_value(s); });
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }

  static json::object Ok(const OperationResult& result) {
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().type + ": " + result.error().message.value_or(""));
    return result.ok() ? json::parse(*result).as_object() : json::object{};
  }

  std::string Iterator(int shard, std::string_view type, std::string_view sequence = {}) {
    json::object input{{"StreamArn", store_->account().StreamArn()},
                       {"ShardId", ShardIdOf(store_->account(), shard)},
                       {"ShardIteratorType", type}};
    if (!sequence.empty()) input["SequenceNumber"] = sequence;
    return std::string(Ok(api_->GetShardIterator(input, system_clock::now())).at("ShardIterator").as_string());
  }

  OperationResult Records(std::string_view iterator, std::int64_t limit) {
    return api_->GetRecords(json::object{{"ShardIterator", iterator}, {"Limit", limit}}, system_clock::now());
  }

  testing::TempDir dir_;
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<ShardIterators> iterators_;
  std::unique_ptr<StreamsApi> api_;
};

TEST_F(StreamsApiTest, PagingFromTrimHorizonReturnsEveryRecordOfEveryShardOnceInOrder) {
  Insert(50);
  std::set<std::string> seen;
  for (int shard = 0; shard < kShards; ++shard) {
    std::string iterator = Iterator(shard, "TRIM_HORIZON");
    std::string previous;
    for (;;) {
      json::object page = Ok(Records(iterator, 7));
      const json::array& records = page.at("Records").as_array();
      iterator = std::string(page.at("NextShardIterator").as_string());
      if (records.empty()) break;
      for (const auto& record : records) {
        std::string sequence(record.at("dynamodb").at("SequenceNumber").as_string());
        EXPECT_LT(previous, sequence);
        previous = sequence;
        EXPECT_TRUE(seen.insert(sequence).second);
        EXPECT_FALSE(record.as_object().contains("eventSourceARN"));
      }
    }
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST_F(StreamsApiTest, AnEmptyPageStillHasANextIteratorThatSeesLaterRecords) {
  std::string latest = Iterator(0, "LATEST");
  json::object empty = Ok(Records(latest, 1000));
  EXPECT_TRUE(empty.at("Records").as_array().empty());
  Insert(30);
  json::object later = Ok(Records(empty.at("NextShardIterator").as_string(), 1000));
  EXPECT_EQ(later.at("Records").as_array().size(), store_->ReadStream(0, 0, 1000)->size());
}

TEST_F(StreamsApiTest, AtAndAfterASequenceNumberStartAtAndAfterItsRecord) {
  Insert(20);
  auto records = store_->ReadStream(1, 0, 100);
  ASSERT_GE(records->size(), 2u);
  std::string second = stream::FormatSequenceNumber((*records)[1].sequence);
  json::object at = Ok(Records(Iterator(1, "AT_SEQUENCE_NUMBER", second), 1));
  EXPECT_EQ(Text(at.at("Records").at(0).at("dynamodb").at("SequenceNumber")), second);
  json::object after = Ok(Records(Iterator(1, "AFTER_SEQUENCE_NUMBER", second), 1));
  EXPECT_EQ(Text(after.at("Records").at(0).at("dynamodb").at("SequenceNumber")),
            stream::FormatSequenceNumber((*records)[2].sequence));
}

TEST_F(StreamsApiTest, ASequenceNumberOfAnotherShardOrBeyondTheEndIsAValidationException) {
  Insert(20);
  auto other = store_->ReadStream(2, 0, 1);
  ASSERT_FALSE(other->empty());
  json::object input{{"StreamArn", store_->account().StreamArn()},
                     {"ShardId", ShardIdOf(store_->account(), 0)},
                     {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                     {"SequenceNumber", stream::FormatSequenceNumber(other->front().sequence)}};
  auto result = api_->GetShardIterator(input, system_clock::now());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "com.amazon.coral.validate#ValidationException");
  input["SequenceNumber"] = stream::FormatSequenceNumber(1'000'000);
  EXPECT_EQ(api_->GetShardIterator(input, system_clock::now()).error().type,
            "com.amazon.coral.validate#ValidationException");
}

TEST_F(StreamsApiTest, TrimmedRecordsAreTrimmedDataAccessForIteratorsAndNewIterators) {
  Insert(20);
  std::string old_iterator = Iterator(0, "TRIM_HORIZON");
  auto first = store_->ReadStream(0, 0, 1)->front().sequence;
  ASSERT_TRUE(store_->TrimNow(system_clock::now() + std::chrono::hours(25)).ok());

  auto read = Records(old_iterator, 10);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().type, "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException");
  json::object input{{"StreamArn", store_->account().StreamArn()},
                     {"ShardId", ShardIdOf(store_->account(), 0)},
                     {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                     {"SequenceNumber", stream::FormatSequenceNumber(first)}};
  EXPECT_EQ(api_->GetShardIterator(input, system_clock::now()).error().type,
            "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException");
  // A fresh TRIM_HORIZON starts after the trim, and reads nothing lost.
  EXPECT_TRUE(Ok(Records(Iterator(0, "TRIM_HORIZON"), 10)).at("Records").as_array().empty());
}

TEST_F(StreamsApiTest, DescribeStreamShowsEveryShardOpenWithItsFirstSequenceNumberAndPages) {
  Insert(10);
  const AwsAccount& account = store_->account();
  json::object described = Ok(api_->DescribeStream(json::object{{"StreamArn", account.StreamArn()}}));
  const json::object& description = described.at("StreamDescription").as_object();
  EXPECT_EQ(Text(description.at("StreamStatus")), "ENABLED");
  EXPECT_EQ(Text(description.at("StreamViewType")), "NEW_IMAGE");
  EXPECT_EQ(Text(description.at("TableName")), account.table_name);
  const json::array& shards = description.at("Shards").as_array();
  ASSERT_EQ(shards.size(), static_cast<std::size_t>(kShards));
  for (int shard = 0; shard < kShards; ++shard) {
    const json::object& entry = shards[static_cast<std::size_t>(shard)].as_object();
    std::string id(entry.at("ShardId").as_string());
    EXPECT_GE(id.size(), 28u);
    EXPECT_LE(id.size(), 65u);
    EXPECT_EQ(id, ShardIdOf(account, shard));
    const json::object& range = entry.at("SequenceNumberRange").as_object();
    EXPECT_FALSE(range.contains("EndingSequenceNumber")) << "jobstream's shards never close";
    auto records = store_->ReadStream(shard, 0, 1);
    if (!records->empty()) {
      EXPECT_EQ(Text(range.at("StartingSequenceNumber")), stream::FormatSequenceNumber(records->front().sequence));
    }
  }
  json::object page = Ok(api_->DescribeStream(json::object{{"StreamArn", account.StreamArn()}, {"Limit", 2}}));
  EXPECT_EQ(page.at("StreamDescription").at("Shards").as_array().size(), 2u);
  EXPECT_EQ(Text(page.at("StreamDescription").at("LastEvaluatedShardId")), ShardIdOf(account, 1));
  json::object rest = Ok(api_->DescribeStream(
      json::object{{"StreamArn", account.StreamArn()}, {"ExclusiveStartShardId", ShardIdOf(account, 1)}}));
  EXPECT_EQ(rest.at("StreamDescription").at("Shards").as_array().size(), 1u);
  EXPECT_FALSE(rest.at("StreamDescription").as_object().contains("LastEvaluatedShardId"));
}

TEST_F(StreamsApiTest, AnotherStreamArnIsResourceNotFound) {
  auto result = api_->DescribeStream(json::object{{"StreamArn", "arn:aws:dynamodb:us-east-1:1:table/x/stream/y"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().type, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(result.error().message,
            "Requested resource not found: Stream: arn:aws:dynamodb:us-east-1:1:table/x/stream/y not found");
}

TEST_F(StreamsApiTest, ListStreamsShowsTheOneStreamFilteredByTableName) {
  const AwsAccount& account = store_->account();
  json::object all = Ok(api_->ListStreams(json::object{}));
  ASSERT_EQ(all.at("Streams").as_array().size(), 1u);
  EXPECT_EQ(Text(all.at("Streams").at(0).at("StreamArn")), account.StreamArn());
  EXPECT_EQ(Text(all.at("Streams").at(0).at("StreamLabel")), account.stream_label);
  EXPECT_TRUE(Ok(api_->ListStreams(json::object{{"TableName", "other"}})).at("Streams").as_array().empty());
  EXPECT_FALSE(api_->ListStreams(json::object{{"Limit", 0}}).ok());
}

TEST_F(StreamsApiTest, LimitOutsideOneToAThousandIsAValidationException) {
  std::string iterator = Iterator(0, "TRIM_HORIZON");
  EXPECT_EQ(Records(iterator, 0).error().message,
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1");
  EXPECT_FALSE(Records(iterator, 1001).ok());
  EXPECT_TRUE(Records(iterator, 1000).ok());
}

TEST(StreamsApiRecordTest, TheStoredRecordLosesOnlyItsEventSourceArn) {
  EXPECT_EQ(StreamsApiRecord(R"({"eventID":"a","dynamodb":{},"eventSourceARN":"arn:x"})", "arn:x"),
            R"({"eventID":"a","dynamodb":{}})");
  EXPECT_EQ(StreamsApiRecord(R"({"eventSourceARN":"arn:x","eventID":"a"})", "arn:x"), R"({"eventID":"a"})");
}

TEST(ShardIdTest, ShardIdsHaveTheApisLengthAndNameTheirShardOnly) {
  AwsAccount account;
  account.stream_label = "2026-12-07T03:45:12.123";
  EXPECT_EQ(ShardIdOf(account, 10), "shardId-00020261207034512123-0000000a");
  EXPECT_EQ(ShardIndexOf(account, "shardId-00020261207034512123-0000000a", 16), 10);
  EXPECT_EQ(ShardIndexOf(account, "shardId-00020261207034512123-0000000a", 10), std::nullopt);
  AwsAccount other = account;
  other.stream_label = "2026-12-07T03:45:12.124";
  EXPECT_EQ(ShardIndexOf(other, ShardIdOf(account, 1), 4), std::nullopt);
}

}  // namespace
}  // namespace jobstream::dynamodb
