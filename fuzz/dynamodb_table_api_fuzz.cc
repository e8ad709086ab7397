// The DynamoDB API's request decoding and operations (dynamodb/json_protocol.h, table_api.h), as
// a client reaches them: any X-Amz-Target and any body through JsonProtocol::Handle, over a
// store kept in memory that applies WriteItem's decisions as SqliteJobStore does. Checks that
// every request is answered exactly once, with a JSON object: 200, or an error carrying
// DynamoDB's __type, never 500 (an InternalServerError here is a bug: the store below cannot
// fail); that no write changes an item's id; and that every item kept has a numeric version.
// Input: the operation's name on the first line (e.g. "UpdateItem"), the JSON body after it.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "dynamodb/json_protocol.h"
#include "dynamodb/table_api.h"
#include "dynamodb/table_request.h"
#include "request_text.h"
#include "store/item_write.h"
#include "store/job_store.h"

namespace {

using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file

// The items of one table in memory; WriteItem decides and applies at once, on the caller's
// thread. Everything the table operations do not use fails.
class MemoryStore final : public store::JobStore {
 public:
  std::map<std::string, std::string, std::less<>> items;

  void WriteItem(std::string id, store::ItemMutation mutate, store::ItemWriteDone done) override {
    store::ItemWriteOutcome outcome;
    auto found = items.find(id);
    if (found != items.end()) outcome.old_item = found->second;
    store::ItemDecision decision = mutate(outcome.old_item ? &*outcome.old_item : nullptr);
    switch (decision.action) {
      case store::ItemDecision::Action::kKeep:
        outcome.new_item = outcome.old_item;
        break;
      case store::ItemDecision::Action::kRefuse:
        outcome.status = decision.refusal;
        outcome.refused = true;
        break;
      case store::ItemDecision::Action::kPut: {
        const boost::json::value* key = decision.item.if_contains("id");
        if (key == nullptr || *key != boost::json::value(boost::json::object{{"S", id}})) std::abort();
        auto version = store::ItemVersion(decision.item);
        if (!version.ok()) {
          outcome.status = version.error();
          break;
        }
        outcome.new_item = items[id] = boost::json::serialize(decision.item);
        break;
      }
      case store::ItemDecision::Action::kDelete:
        items.erase(id);
        break;
    }
    done(std::move(outcome));
  }
  Result<std::string> GetJobJson(std::string_view id) override {
    auto found = items.find(id);
    if (found == items.end()) return Status::NotFound("no such job");
    return found->second;
  }
  Result<std::vector<std::string>> ScanItems(std::string_view after_id, std::size_t limit) override {
    std::vector<std::string> page;
    for (auto it = items.upper_bound(after_id); it != items.end() && page.size() < limit; ++it) {
      page.push_back(it->second);
    }
    return page;
  }
  Result<std::int64_t> CountItems() override { return static_cast<std::int64_t>(items.size()); }
  const AwsAccount& account() const override { return encoder_.account(); }
  const stream::RecordEncoder& record_encoder() const override { return encoder_; }

  void InsertJob(store::Job, store::WriteDone done) override { done(Unused()); }
  void InsertJobs(std::vector<store::Job>, store::WriteDone done) override { done(Unused()); }
  void UpdateConsumerState(const store::Job&, std::string, store::ConsumerState, store::UpdateDone done) override {
    done(Unused());
  }
  Result<store::Job> GetJob(std::string_view) override { return Unused(); }
  Result<store::JobListing> ListJobs(std::string_view, std::string_view, std::size_t) override { return Unused(); }
  Result<std::vector<stream::StreamRecord>> ReadStream(int, std::int64_t, std::size_t) override { return Unused(); }
  Result<store::ShardBounds> ReadShardBounds(int) override { return Unused(); }
  Result<std::string> ReadRecord(std::int64_t) override { return Unused(); }
  Result<std::int64_t> LoadCheckpoint(std::string_view, int) override { return Unused(); }
  void SaveCheckpoint(std::string, int, std::int64_t, store::WriteDone done) override { done(Unused()); }
  void SetTrimConsumers(std::vector<std::string>) override {}
  void SetCommitListener(store::CommitListener) override {}
  int shard_count() const override { return 1; }
  Status Readiness() const override { return Status::Ok(); }
  void Close() override {}

 private:
  static Status Unused() { return Status::Unavailable("not part of the table API"); }
  stream::RecordEncoder encoder_{AwsAccount{}, stream::StreamViewType::kNewImage};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::AsText(data, size);
  const std::size_t newline = text.find('\n');
  const std::string_view operation = text.substr(0, std::min(newline, std::size_t{64}));
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);

  MemoryStore store;
  store.items["a"] = R"({"id":{"S":"a"},"version":{"N":"0"},"seconds":{"N":"5"},"tags":{"SS":["x","y"]},)"
                     R"("job_status":{"M":{"consumer_1":{"M":{"status":{"S":"Pending"}}}}}})";
  store.items["b"] = R"({"id":{"S":"b"},"version":{"N":"7"},"list":{"L":[{"N":"1"},{"S":"two"}]}})";
  dynamodb::TableApi table(store, stream::StreamViewType::kNewImage);
  dynamodb::JsonProtocol protocol;
  protocol.Register(std::string(dynamodb::kTableTargetPrefix), table.Operations());

  http::Request request{boost::beast::http::verb::post, "/", 11};
  request.set("X-Amz-Target", std::string(dynamodb::kTableTargetPrefix) + "." + std::string(operation));
  request.set(boost::beast::http::field::content_type, "application/x-amz-json-1.0");
  request.body() = std::string(body);
  auth::Principal principal;
  principal.user_name = "fuzz";
  principal.service = "dynamodb";
  int answers = 0;
  protocol.Handle(principal, request, std::chrono::system_clock::now(), [&answers](http::Response response) {
    ++answers;
    boost::system::error_code ec;
    boost::json::value answer = boost::json::parse(response.body, ec);
    if (ec || !answer.is_object()) std::abort();
    const unsigned status = response.status;
    if (status == 500) std::abort();
    if (status != 200 && !answer.as_object().contains("__type")) std::abort();
  });
  if (answers != 1) std::abort();
  for (const auto& [id, item] : store.items) {
    boost::json::value parsed = boost::json::parse(item);
    if (!store::ItemVersion(parsed.as_object()).ok()) std::abort();
  }
  return 0;
}
