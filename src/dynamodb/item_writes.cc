// TableApi's writes: PutItem, UpdateItem, DeleteItem (see table_api.h). The request is checked
// and its expressions compiled on the calling thread; the condition, the update and the write
// run on the store's writer inside the transaction (JobStore::WriteItem); the answer is sent
// once that transaction is durable.
#include <boost/json/serialize.hpp>

#include "dynamodb/condition_expression.h"
#include "dynamodb/expression_parser.h"
#include "dynamodb/projection.h"
#include "dynamodb/table_api.h"
#include "dynamodb/table_request.h"
#include "dynamodb/update_expression.h"
#include "store/item_write.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

// What every write shares: its condition and what to answer with.
struct WriteRequest {
  std::string id;
  std::string return_values = "NONE";
  bool old_item_on_condition_failure = false;
  std::optional<CompiledCondition> condition;
};

// A refusal's DynamoDB error, left by the mutation (writer thread) for the answer (commit thread).
using RefusalSlot = std::shared_ptr<std::optional<ApiError>>;

Result<bool, ApiError> ReadCommon(const json::object& input, const AwsAccount& account,
                                  const ExpressionAttributes& attributes, WriteRequest& request) {
  if (auto legacy = RefuseLegacyParameters(input); !legacy.ok()) return MakeUnexpected(legacy.error());
  if (auto table = CheckTableName(input, account); !table.ok()) return MakeUnexpected(table.error());
  auto on_failure = OptionalString(input, "ReturnValuesOnConditionCheckFailure");
  if (!on_failure.ok()) return MakeUnexpected(on_failure.error());
  if (on_failure->has_value()) {
    if (**on_failure != "ALL_OLD" && **on_failure != "NONE") {
      return MakeUnexpected(ValidationException(
          "1 validation error detected: Value '" + std::string(**on_failure) +
          "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value "
          "set: [ALL_OLD, NONE]"));
    }
    request.old_item_on_condition_failure = **on_failure == "ALL_OLD";
  }
  auto condition = OptionalString(input, "ConditionExpression");
  if (!condition.ok()) return MakeUnexpected(condition.error());
  if (condition->has_value()) {
    auto parsed = ParseCondition(**condition, attributes, "ConditionExpression");
    if (!parsed.ok()) return MakeUnexpected(ToApiError(parsed.error()));
    request.condition = std::move(parsed).value();
  }
  return true;
}

// The current item (empty when none) if the condition holds; else the refusal, with the item
// when the request asked for it.
std::optional<store::ItemDecision> CheckCondition(const WriteRequest& request, const std::string* current, Item& item,
                                                  const RefusalSlot& refusal) {
  refusal->reset();  // the store may run a mutation again
  if (current != nullptr) {
    auto parsed = ParseStoredItem(*current);
    if (!parsed.ok()) {
      *refusal = parsed.error();
      return store::ItemDecision::Refuse(Status::Internal("unreadable item"));
    }
    item = std::move(parsed).value();
  }
  if (request.condition && !Evaluate(*request.condition, item)) {
    *refusal = ConditionalCheckFailed(request.old_item_on_condition_failure && current != nullptr ? &item : nullptr);
    return store::ItemDecision::Refuse(Status::ConditionFailed("The conditional request failed"));
  }
  return std::nullopt;
}

json::object ParsedOrEmpty(const std::optional<std::string>& text) {
  if (!text) return {};
  auto item = ParseStoredItem(*text);
  return item.ok() ? std::move(item).value() : json::object{};
}

// Answers a write once durable: the refusal or failure as DynamoDB's error, else `attributes`.
store::ItemWriteDone Answer(RefusalSlot refusal, OperationRespond respond,
                            std::function<std::optional<json::object>(const store::ItemWriteOutcome&)> attributes) {
  return [refusal = std::move(refusal), respond = std::move(respond),
          attributes = std::move(attributes)](const store::ItemWriteOutcome& outcome) {
    if (!outcome.status.ok()) {
      // Only a refusal the committed state decided: a batch that failed as a whole refused nothing.
      if (outcome.refused && *refusal) return respond(MakeUnexpected(**refusal));
      return respond(MakeUnexpected(ToApiError(outcome.status)));
    }
    std::optional<json::object> returned = attributes(outcome);
    if (!returned || returned->empty()) return respond(std::string("{}"));
    respond(json::serialize(json::object{{"Attributes", std::move(*returned)}}));
  };
}

}  // namespace

void TableApi::PutItem(const json::object& input, OperationRespond respond) const {
  auto fail = [&respond](const ApiError& error) { respond(MakeUnexpected(error)); };
  auto attributes = ExpressionAttributesOf(input);
  if (!attributes.ok()) return fail(attributes.error());
  WriteRequest request;
  if (auto common = ReadCommon(input, store_.account(), *attributes, request); !common.ok()) {
    return fail(common.error());
  }
  auto return_values = ReturnValuesOf(input, {"NONE", "ALL_OLD"});
  if (!return_values.ok()) return fail(return_values.error());
  auto item = OptionalObject(input, "Item");
  if (!item.ok()) return fail(item.error());
  if (*item == nullptr) {
    return fail(ValidationException(
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"));
  }
  if (Status valid = ValidateItem(**item); !valid.ok()) return fail(ToApiError(valid));
  const json::value* key = (*item)->if_contains(kKeyAttribute);
  if (key == nullptr) {
    return fail(ValidationException("One or more parameter values were invalid: Missing the key id in the item"));
  }
  if (TypeOf(*key) != AttributeType::kS) {
    return fail(
        ValidationException("One or more parameter values were invalid: Type mismatch for key id expected: S "
                            "actual: " +
                            std::string(TypeName(*TypeOf(*key)))));
  }
  auto id = KeyIdOf(json::object{{std::string(kKeyAttribute), *key}});
  if (!id.ok()) return fail(id.error());
  if (ItemSizeBytes(**item) > kMaxItemBytes)
    return fail(ValidationException("Item size has exceeded the maximum allowed size"));
  if (auto version = store::ItemVersion(**item); !version.ok()) return fail(ToApiError(version.error()));
  if (Status used =
          CheckAllPlaceholdersUsed(*attributes, {request.condition ? &request.condition->placeholders() : nullptr});
      !used.ok()) {
    return fail(ToApiError(used));
  }
  request.id = *id;
  request.return_values = *return_values;

  auto refusal = std::make_shared<std::optional<ApiError>>();
  store_.WriteItem(
      *id,
      [request, item = **item, refusal](const std::string* current) {
        Item seen;
        if (auto refused = CheckCondition(request, current, seen, refusal)) return std::move(*refused);
        return store::ItemDecision::Put(item);
      },
      Answer(refusal, std::move(respond), [request](const store::ItemWriteOutcome& outcome) {
        return request.return_values == "ALL_OLD" ? std::optional(ParsedOrEmpty(outcome.old_item)) : std::nullopt;
      }));
}

void TableApi::UpdateItem(const json::object& input, OperationRespond respond) const {
  auto fail = [&respond](const ApiError& error) { respond(MakeUnexpected(error)); };
  auto attributes = ExpressionAttributesOf(input);
  if (!attributes.ok()) return fail(attributes.error());
  WriteRequest request;
  if (auto common = ReadCommon(input, store_.account(), *attributes, request); !common.ok()) {
    return fail(common.error());
  }
  auto id = KeyId(input);
  if (!id.ok()) return fail(id.error());
  auto return_values = ReturnValuesOf(input, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  if (!return_values.ok()) return fail(return_values.error());
  auto text = OptionalString(input, "UpdateExpression");
  if (!text.ok()) return fail(text.error());
  std::optional<CompiledUpdate> update;
  Projection updated;  // the paths the update writes: what UPDATED_OLD / UPDATED_NEW return
  if (text->has_value()) {
    auto parsed = ParseUpdateExpression(**text, *attributes);
    if (!parsed.ok()) return fail(ToApiError(parsed.error()));
    update = std::move(parsed).value();
    const UpdateActions& actions = update->actions();
    for (const auto& [path, value] : actions.set) updated.paths.push_back(path);
    for (const auto& path : actions.remove) updated.paths.push_back(path);
    for (const auto& [path, value] : actions.add) updated.paths.push_back(path);
    for (const auto& [path, value] : actions.del) updated.paths.push_back(path);
    for (const DocumentPath& path : updated.paths) {
      if (!path.empty() && !path.front().is_index && path.front().name == kKeyAttribute) {
        return fail(ValidationException(
            "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the "
            "key"));
      }
    }
  }
  if (Status used =
          CheckAllPlaceholdersUsed(*attributes, {request.condition ? &request.condition->placeholders() : nullptr,
                                                 update ? &update->placeholders() : nullptr});
      !used.ok()) {
    return fail(ToApiError(used));
  }
  request.id = *id;
  request.return_values = *return_values;

  auto refusal = std::make_shared<std::optional<ApiError>>();
  store_.WriteItem(
      *id,
      [request, update, refusal](const std::string* current) {
        Item item;
        if (auto refused = CheckCondition(request, current, item, refusal)) return std::move(*refused);
        // A missing item is created from its key, as DynamoDB's UpdateItem does.
        if (current == nullptr) item[kKeyAttribute] = json::object{{"S", request.id}};
        if (update) {
          auto applied = Apply(*update, std::move(item));
          if (!applied.ok()) return store::ItemDecision::Refuse(applied.error());
          item = std::move(applied).value();
        }
        if (ItemSizeBytes(item) > kMaxItemBytes) {
          return store::ItemDecision::Refuse(
              Status::InvalidArgument("Item size to update has exceeded the maximum allowed size"));
        }
        return store::ItemDecision::Put(std::move(item));
      },
      Answer(refusal, std::move(respond),
             [request,
              updated = std::move(updated)](const store::ItemWriteOutcome& outcome) -> std::optional<json::object> {
               const std::string& wanted = request.return_values;
               if (wanted == "ALL_OLD") return ParsedOrEmpty(outcome.old_item);
               if (wanted == "ALL_NEW") return ParsedOrEmpty(outcome.new_item);
               if (wanted == "UPDATED_OLD") return Project(updated, ParsedOrEmpty(outcome.old_item));
               if (wanted == "UPDATED_NEW") return Project(updated, ParsedOrEmpty(outcome.new_item));
               return std::nullopt;
             }));
}

void TableApi::DeleteItem(const json::object& input, OperationRespond respond) const {
  auto fail = [&respond](const ApiError& error) { respond(MakeUnexpected(error)); };
  auto attributes = ExpressionAttributesOf(input);
  if (!attributes.ok()) return fail(attributes.error());
  WriteRequest request;
  if (auto common = ReadCommon(input, store_.account(), *attributes, request); !common.ok()) {
    return fail(common.error());
  }
  auto id = KeyId(input);
  if (!id.ok()) return fail(id.error());
  auto return_values = ReturnValuesOf(input, {"NONE", "ALL_OLD"});
  if (!return_values.ok()) return fail(return_values.error());
  if (Status used =
          CheckAllPlaceholdersUsed(*attributes, {request.condition ? &request.condition->placeholders() : nullptr});
      !used.ok()) {
    return fail(ToApiError(used));
  }
  request.id = *id;
  request.return_values = *return_values;

  auto refusal = std::make_shared<std::optional<ApiError>>();
  store_.WriteItem(
      *id,
      [request, refusal](const std::string* current) {
        Item item;
        if (auto refused = CheckCondition(request, current, item, refusal)) return std::move(*refused);
        return store::ItemDecision::Delete();
      },
      Answer(refusal, std::move(respond), [request](const store::ItemWriteOutcome& outcome) {
        return request.return_values == "ALL_OLD" ? std::optional(ParsedOrEmpty(outcome.old_item)) : std::nullopt;
      }));
}

}  // namespace jobstream::dynamodb
