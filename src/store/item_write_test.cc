// JobStore::WriteItem: the DynamoDB API's atomic read-decide-write, its records and the version rule.
#include "store/item_write.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <stdexcept>
#include <thread>

#include "common/uuid.h"
#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

namespace json = boost::json;

json::object Item(const std::string& id, std::string_view version, std::string_view counter = "0") {
  return json::object{{"id", json::object{{"S", id}}},
                      {"counter", json::object{{"N", counter}}},
                      {"job_status", json::object{{"M", json::object{}}}},
                      {"version", json::object{{"N", version}}}};
}

class ItemWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = 2;
    auto opened = SqliteJobStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
  }

  ItemWriteOutcome Write(const std::string& id, ItemMutation mutate) {
    std::promise<ItemWriteOutcome> done;
    store_->WriteItem(id, std::move(mutate), [&done](ItemWriteOutcome outcome) { done.set_value(std::move(outcome)); });
    return done.get_future().get();
  }
  ItemWriteOutcome Put(const std::string& id, json::object item) {
    return Write(id, [item = std::move(item)](const std::string*) { return ItemDecision::Put(item); });
  }

  std::vector<std::string> EventNames(const std::string& id) {
    auto records = store_->ReadStream(stream::ShardOf(id, store_->shard_count()), 0, 1000);
    EXPECT_TRUE(records.ok());
    std::vector<std::string> names;
    for (const auto& record : *records) names.push_back(record.event_name);
    return names;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteJobStore> store_;
};

TEST_F(ItemWriteTest, APutOfANewIdIsAnInsertThatConsumersCanWriteTheirStateOn) {
  const std::string id = NewUuid();
  auto outcome = Put(id, Item(id, "0"));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_FALSE(outcome.old_item.has_value());
  ASSERT_TRUE(outcome.new_item.has_value());
  EXPECT_EQ(*store_->GetJobJson(id), *outcome.new_item);  // kept exactly as written
  auto records = store_->ReadStream(stream::ShardOf(id, 2), 0, 10);
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].event_name, "INSERT");
  EXPECT_EQ((*records)[0].job_item, *outcome.new_item);
  EXPECT_EQ(json::parse((*records)[0].json).at("dynamodb").at("NewImage"), json::parse(*outcome.new_item));

  // No timestamps, no consumer entries: still a job the consumers' conditional write works on.
  auto job = store_->GetJob(id);
  ASSERT_TRUE(job.ok()) << job.error().message();
  EXPECT_EQ(job->version, 0);
  std::promise<Result<Job>> done;
  store_->UpdateConsumerState(*job, "consumer_1", ConsumerState{"Success", "ok", nullptr},
                              [&done](Result<Job> written) { done.set_value(std::move(written)); });
  auto written = done.get_future().get();
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(written->version, 1);
  EXPECT_EQ(written->attributes.at("counter").at("N").as_string(), "0");
}

TEST_F(ItemWriteTest, AChangeIsAModifyADeleteARemoveAndNoChangeNoRecord) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Put(id, Item(id, "0")).status.ok());
  auto modified = Put(id, Item(id, "1", "5"));
  ASSERT_TRUE(modified.status.ok());
  ASSERT_TRUE(modified.old_item.has_value());
  EXPECT_EQ(json::parse(*modified.old_item).at("version").at("N").as_string(), "0");
  EXPECT_EQ(store_->GetJob(id)->version, 1);

  auto kept = Write(id, [](const std::string*) { return ItemDecision::Keep(); });
  ASSERT_TRUE(kept.status.ok());
  EXPECT_EQ(kept.new_item, modified.new_item);

  auto removed = Write(id, [](const std::string*) { return ItemDecision::Delete(); });
  ASSERT_TRUE(removed.status.ok());
  EXPECT_EQ(removed.old_item, modified.new_item);
  EXPECT_EQ(store_->GetJobJson(id).error().code(), StatusCode::kNotFound);
  auto again = Write(id, [](const std::string*) { return ItemDecision::Delete(); });
  ASSERT_TRUE(again.status.ok());
  EXPECT_FALSE(again.old_item.has_value());
  EXPECT_EQ(EventNames(id), (std::vector<std::string>{"INSERT", "MODIFY", "REMOVE"}));
}

TEST_F(ItemWriteTest, AnItemWithoutANumericVersionIsRefusedNamingTheRule) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Put(id, Item(id, "3")).status.ok());
  json::object without = Item(id, "3");
  without.erase("version");
  json::object as_string = Item(id, "3");
  as_string["version"] = json::object{{"S", "3"}};
  for (const json::object& item : {without, as_string, Item(id, "1.5")}) {
    auto outcome = Put(id, item);
    EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument) << json::serialize(item);
    EXPECT_EQ(outcome.status.message(), kVersionRule);
    EXPECT_FALSE(outcome.refused);  // the store's rule, not the mutation's refusal
  }
  EXPECT_EQ(store_->GetJob(id)->version, 3);
  EXPECT_EQ(EventNames(id), (std::vector<std::string>{"INSERT"}));
}

TEST_F(ItemWriteTest, ARefusalChangesNothingAndReportsTheItemItSaw) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Put(id, Item(id, "0")).status.ok());
  auto refused =
      Write(id, [](const std::string*) { return ItemDecision::Refuse(Status::ConditionFailed("condition")); });
  EXPECT_EQ(refused.status.code(), StatusCode::kConditionFailed);
  EXPECT_TRUE(refused.refused);
  ASSERT_TRUE(refused.old_item.has_value());
  EXPECT_EQ(*refused.old_item, *store_->GetJobJson(id));
  EXPECT_EQ(EventNames(id), (std::vector<std::string>{"INSERT"}));
}

TEST_F(ItemWriteTest, AMutationThatThrowsFailsItsWriteAloneAndTheWriterGoesOn) {
  const std::string id = NewUuid();
  auto failed = Write(id, [](const std::string*) -> ItemDecision { throw std::runtime_error("boom"); });
  EXPECT_EQ(failed.status.code(), StatusCode::kInternal);
  EXPECT_FALSE(failed.refused);
  EXPECT_TRUE(Put(id, Item(id, "0")).status.ok());
}

// A log sync that waits for the test's go-ahead: what is written but not synced is not durable.
class GatedSync : public FileSync {
 public:
  explicit GatedSync(std::shared_future<void> go_ahead) : go_ahead_(std::move(go_ahead)) {}
  Status Sync(bool /*missing_ok*/) override {
    go_ahead_.wait();
    return Status::Ok();
  }

 private:
  std::shared_future<void> go_ahead_;
};

TEST(ItemWriteDurabilityTest, AWriteIsAnsweredOnlyOnceItsTransactionIsSynced) {
  testing::TempDir dir;
  std::promise<void> gate;
  std::shared_future<void> go_ahead = gate.get_future().share();
  std::atomic<bool> started{false};
  SqliteStoreOptions options;
  options.data_dir = dir.path();
  options.shards = 1;
  // The first sync (at startup) passes; every later one waits for the gate.
  options.open_log_sync = [go_ahead, &started](const std::filesystem::path&) -> std::unique_ptr<FileSync> {
    class StartupThenGated : public FileSync {
     public:
      StartupThenGated(std::shared_future<void> go_ahead, std::atomic<bool>& started)
          : gated_(std::move(go_ahead)), started_(started) {}
      Status Sync(bool missing_ok) override {
        if (!started_.exchange(true)) return Status::Ok();
        return gated_.Sync(missing_ok);
      }

     private:
      GatedSync gated_;
      std::atomic<bool>& started_;
    };
    return std::make_unique<StartupThenGated>(go_ahead, started);
  };
  auto store = std::move(SqliteJobStore::Open(options)).value();
  const std::string id = NewUuid();
  std::promise<ItemWriteOutcome> done;
  auto answered = done.get_future();
  store->WriteItem(
      id, [item = Item(id, "0")](const std::string*) { return ItemDecision::Put(item); },
      [&done](ItemWriteOutcome outcome) { done.set_value(std::move(outcome)); });
  EXPECT_EQ(answered.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  gate.set_value();
  EXPECT_TRUE(answered.get().status.ok());
}

// A new item is a new job: a bounded store admits it as it admits POST /jobs's, so that PutItem
// cannot take the room accepted jobs need; changes to existing items go on.
TEST(ItemWriteBoundTest, ABoundedStoreRefusesNewItemsWithUnavailableButNotChanges) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.data_dir = dir.path();
  options.shards = 1;
  options.max_size_bytes = 512 * 1024;
  auto store = std::move(SqliteJobStore::Open(options)).value();
  auto put = [&store](const std::string& id, std::string_view version) {
    json::object item = Item(id, version);
    item["blob"] = json::object{{"S", std::string(8 * 1024, 'x')}};
    std::promise<ItemWriteOutcome> done;
    store->WriteItem(
        id, [item](const std::string*) { return ItemDecision::Put(item); },
        [&done](ItemWriteOutcome outcome) { done.set_value(std::move(outcome)); });
    return done.get_future().get().status;
  };
  const std::string first = NewUuid();
  ASSERT_TRUE(put(first, "0").ok());
  Status refused;
  for (int i = 0; i < 200 && refused.ok(); ++i) refused = put(NewUuid(), "0");
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.message();
  EXPECT_TRUE(put(first, "1").ok());
}

// Optimistic locking as the reference's handlers do it: read, then write on the condition that
// version is still the one read, retrying on a refusal. The check runs inside the transaction, so
// no increment is lost.
TEST_F(ItemWriteTest, RacingWritersOnTheVersionConditionLoseNoIncrement) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Put(id, Item(id, "0")).status.ok());
  constexpr int kWriters = 4;
  constexpr int kIncrements = 50;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int done = 0; done < kIncrements;) {
        json::object read = json::parse(*store_->GetJobJson(id)).as_object();
        std::string version(read.at("version").at("N").as_string());
        std::int64_t counter = std::stoll(std::string(read.at("counter").at("N").as_string()));
        json::object next = Item(id, std::to_string(std::stoll(version) + 1), std::to_string(counter + 1));
        auto outcome = Write(id, [version, next](const std::string* current) {
          if (current == nullptr || json::parse(*current).at("version").at("N").as_string() != version) {
            return ItemDecision::Refuse(Status::ConditionFailed("version moved"));
          }
          return ItemDecision::Put(next);
        });
        if (outcome.status.ok()) {
          ++done;
        } else {
          ASSERT_EQ(outcome.status.code(), StatusCode::kConditionFailed);
          ++conflicts;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  json::object final_item = json::parse(*store_->GetJobJson(id)).as_object();
  EXPECT_EQ(final_item.at("counter").at("N").as_string(), std::to_string(kWriters * kIncrements));
  EXPECT_EQ(store_->GetJob(id)->version, kWriters * kIncrements);
  EXPECT_EQ(EventNames(id).size(), 1u + kWriters * kIncrements);
}

}  // namespace
}  // namespace jobstream::store
