#include "store/consumer_state_writer.h"

#include <boost/asio/post.hpp>
#include <memory>

namespace jobstream::store {
namespace {

struct Attempt {
  JobStore& store;
  std::string job_id;
  std::string consumer;
  ConsumerStateDecision decide;
  ConsumerStateWritten done;
  boost::asio::any_io_executor executor;
  int conflicts = 0;
};

void Run(const std::shared_ptr<Attempt>& attempt) {
  auto job = attempt->store.GetJob(attempt->job_id);
  if (!job.ok()) return attempt->done(job.error());
  std::optional<ConsumerState> state = attempt->decide(*job);
  if (!state) return attempt->done(std::optional<Job>());
  attempt->store.UpdateConsumerState(*job, attempt->consumer, std::move(*state), [attempt](Result<Job> written) {
    auto settle = [attempt, written = std::move(written)]() mutable {
      if (written.ok()) return attempt->done(std::optional<Job>(std::move(written).value()));
      if (written.error().code() == StatusCode::kConditionFailed &&
          ++attempt->conflicts <= kMaxConsumerStateConflicts) {
        return Run(attempt);  // another writer got there first: read again, decide again
      }
      attempt->done(written.error());
    };
    if (attempt->executor) return boost::asio::post(attempt->executor, std::move(settle));
    settle();
  });
}

}  // namespace

void WriteConsumerState(JobStore& store, std::string job_id, std::string consumer, ConsumerStateDecision decide,
                        ConsumerStateWritten done, boost::asio::any_io_executor executor) {
  Run(std::make_shared<Attempt>(
      Attempt{store, std::move(job_id), std::move(consumer), std::move(decide), std::move(done), std::move(executor)}));
}

}  // namespace jobstream::store
