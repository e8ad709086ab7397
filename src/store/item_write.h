// A write of one whole item decided inside the store's transaction: the DynamoDB API's PutItem,
// UpdateItem and DeleteItem (conditions included) as one atomic read-decide-write.
//
// The caller's mutation sees the item as committed at that point of the single writer's
// transaction, so its condition check and its write are atomic against every other write,
// jobstream's own outcome writes (JobStore::UpdateConsumerState) included. The store then writes
// what it decided and appends the matching stream record in the same transaction: INSERT for an
// id that had no item, MODIFY for a change, REMOVE for a delete, none when nothing changed.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace jobstream::store {

// What a mutation decided.
struct ItemDecision {
  enum class Action { kKeep, kPut, kDelete, kRefuse };
  Action action = Action::kKeep;
  boost::json::object item;  // kPut: the whole new item in typed JSON; its id must be the write's
  Status refusal;            // kRefuse: handed to `done` as the outcome (e.g. kConditionFailed)

  static ItemDecision Keep() { return {}; }
  static ItemDecision Put(boost::json::object item) { return {Action::kPut, std::move(item), {}}; }
  static ItemDecision Delete() { return {Action::kDelete, {}, {}}; }
  static ItemDecision Refuse(Status why) { return {Action::kRefuse, {}, std::move(why)}; }
};

// Runs on the store's writer thread, inside the transaction: `current` is the item's typed JSON
// text as committed so far, or null when no item has the id. Must be a pure function of
// `current` (the store may run it again when it re-applies a batch) and quick (every other write
// waits behind it). It may leave details for `done` in state both share: `done` runs after it.
using ItemMutation = std::function<ItemDecision(const std::string* current)>;

struct ItemWriteOutcome {
  Status status;                        // Ok, the mutation's refusal, or why the store failed
  std::optional<std::string> old_item;  // the item before the write, when there was one
  std::optional<std::string> new_item;  // the item after it, when there is one
  bool refused = false;                 // status is the mutation's own refusal (of committed state)
};
// Runs once the transaction is durable (or failed), on the store's commit thread.
using ItemWriteDone = std::function<void(ItemWriteOutcome)>;

// The store's rule for every item it keeps: a `version` attribute holding a number that is an
// integer within 64 bits (jobstream's optimistic locking compares it, and the store keeps it in
// its own column). The version, or kInvalidArgument with a message naming the rule.
Result<std::int64_t> ItemVersion(const boost::json::object& item);
inline constexpr std::string_view kVersionRule =
    "jobstream requires every item of the jobs table to keep the attribute version as a number "
    "(an integer within 64 bits): a write may not remove it or make it another type";

}  // namespace jobstream::store
