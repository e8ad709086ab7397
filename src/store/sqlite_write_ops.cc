#include "store/sqlite_write_ops.h"

#include <type_traits>

namespace jobstream::store::sqlite {

void Acknowledge(std::vector<Op>& ops, const Status& failure) {
  for (Op& op : ops) {
    std::visit(
        [&failure](auto& o) {
          if (!o.done) return;
          Status outcome = failure.ok() ? o.outcome : failure;
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, UpdateOp>) {
            o.done(outcome.ok() ? Result<Job>(std::move(o.written)) : Result<Job>(outcome));
          } else if constexpr (std::is_same_v<std::decay_t<decltype(o)>, ItemWriteOp>) {
            // A refusal keeps the item it saw (ReturnValuesOnConditionCheckFailure); a failed
            // transaction wrote nothing.
            o.done(ItemWriteOutcome{outcome, failure.ok() ? std::move(o.old_item) : std::nullopt,
                                    outcome.ok() ? std::move(o.new_item) : std::nullopt, failure.ok() && o.refused});
          } else {
            o.done(outcome);
          }
        },
        op);
  }
}

}  // namespace jobstream::store::sqlite
