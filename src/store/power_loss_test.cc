// Power-loss test of SqliteJobStore: load, a simulated power cut at a random point, reopen, check.
//
// A SIGKILL keeps the page cache, so it cannot tell a synced write from an unsynced one. Here
// the store's files go through FaultInjectionVfs, which on a "power cut" drops or tears every
// write not yet synced (and the -shm). Each cycle reopens the store, checks it against what was
// acknowledged before the cut (through JobStore only), then runs inserts, batches, consumer
// state updates, checkpoints and trims (the clock is a ManualClock moved past the retention)
// while the WAL checkpointer copies the log, and cuts the power after the N-th write, sync,
// truncation or delete (N random): mid-commit, mid-sync, mid-checkpoint, mid-trim, or during
// the recovery of the previous cut.
//
// Checked after every cut:
//  - every acknowledged job is there, at its acknowledged version or later, with the consumer
//    states it was acknowledged with (an unacknowledged write may have survived, or not);
//  - every change of a job has exactly one stream record: a job at version v has v + 1 records
//    (its INSERT at version 0 and v MODIFY) counting the trimmed ones; no record without its job;
//  - every record the store reported durable (the commit listener runs after the sync) is still
//    there, unless trimmed, and only records at or below every consumer's checkpoint of their
//    shard are trimmed;
//  - sequence numbers: every number from 1 to the newest is one record's, in exactly one shard,
//    and none is reused for another record after a cut (the store's contract: one counter,
//    strictly growing across restarts and trims);
//  - every acknowledged checkpoint is there (or a later one), and every checkpoint names a
//    durable record of its shard: none is ahead of durable data.
//
// JOBSTREAM_POWER_LOSS_CRASHES (default 300) sets the number of cuts, JOBSTREAM_POWER_LOSS_SEED
// (default 1) the seed: the load, the crash points and the tears follow from it (thread timing
// still varies). scripts/power-loss runs it; docs/RELIABILITY.md has the figures.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/fault_injection_vfs.h"
#include "store/job_store.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

const std::vector<std::string> kConsumers = {"consumer_1", "consumer_2"};
constexpr int kShards = 4;
constexpr int kCrashesPerDirectory = 20;  // then a fresh directory: the model (and checks) stay small
constexpr std::size_t kMaxInFlight = 48;  // writes queued at once
constexpr int kMaxSteps = 4000;           // load steps per cycle before an idle power cut

std::uint64_t EnvNumber(const char* name, std::uint64_t fallback) {
  // flawfinder: ignore (the test's own size and seed, set by whoever runs it; parsed and checked below)
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 10);
}

// What the test knows to be durable, learned from acknowledgements and from each reopen.
class Model {
 public:
  struct KnownJob {
    Job acked;              // as last acknowledged (or found after a cut)
    bool durable = false;   // its insert was acknowledged (or it was found after a cut)
    bool updating = false;  // an update is queued; the next waits for it (its outcome is unknown)
  };
  struct KnownRecord {
    int shard = 0;
    std::string job_id;
    std::string event_name;
    bool trimmed = false;
  };

  std::mutex mutex;
  std::map<std::string, KnownJob> jobs;                             // every job submitted, acknowledged or not
  std::map<std::int64_t, KnownRecord> records;                      // durable records, by sequence number
  std::map<std::pair<std::string, int>, std::int64_t> checkpoints;  // acknowledged
  std::vector<std::string> durable_ids;                             // jobs with an acknowledged insert, for picking

  void Reset() {
    std::lock_guard lock(mutex);
    jobs.clear();
    records.clear();
    checkpoints.clear();
    durable_ids.clear();
  }
};

struct Totals {
  int crashes = 0;
  int drops = 0;
  int tears = 0;
  int during_recovery = 0;
  std::map<std::string, int> crash_points;
  std::uint64_t jobs_checked = 0;   // acknowledged jobs found intact, summed over reopens
  std::uint64_t distinct_jobs = 0;  // jobs whose insert was acknowledged
  std::uint64_t acked_updates = 0;  // state updates acknowledged
  std::uint64_t acked_checkpoints = 0;
  std::uint64_t records_checked = 0;  // durable records found (or rightly trimmed), summed
  std::uint64_t trimmed = 0;          // records trimmed (distinct)
  std::uint64_t lost_writes = 0;      // unacknowledged inserts a cut took (expected)
};

class PowerLossTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto vfs = FaultInjectionVfs::Register("jobstream-power-loss");
    ASSERT_TRUE(vfs.ok()) << vfs.error().message();
    vfs_ = std::move(vfs).value();
    log_level_ = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);  // every cut logs failed commits and syncs by design
  }
  void TearDown() override { spdlog::set_level(log_level_); }

  std::unique_ptr<SqliteJobStore> OpenStore(const std::filesystem::path& dir, Status& status) {
    SqliteStoreOptions options;
    options.data_dir = dir;
    options.shards = kShards;
    options.retention = std::chrono::hours(1);
    options.trim_interval = std::chrono::seconds(30);  // on the manual clock
    options.max_batch = 64;
    options.clock = &clock_;
    options.sqlite_vfs = vfs_->name();
    options.open_log_sync = vfs_->LogSyncFactory();
    auto store = SqliteJobStore::Open(options);
    if (!store.ok()) {
      status = store.error();
      return nullptr;
    }
    status = Status::Ok();
    return std::move(store).value();
  }

  std::string NewId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
    for (char& c : id) {
      if (c == 'x') c = kHex[random_() % 16];
    }
    return id;
  }

  Job NewJob() {
    Job job;
    job.id = NewId();
    job.attributes =
        stream::ToAttributeMap(boost::json::object{{"seconds", static_cast<std::int64_t>(random_() % 100 + 1)}});
    for (const std::string& consumer : kConsumers) job.consumers[consumer] = ConsumerState{};
    job.created_at = job.updated_at = clock_.Now();
    return job;
  }

  // Checks the reopened store against the model and takes what it found as the new model.
  // Fails the test (with `context`) on any loss or inconsistency.
  void Verify(JobStore& store, const std::string& context);
  // Runs load until the VFS reaches its crash point (or kMaxSteps, then cuts the power itself).
  void RunLoad(JobStore& store);

  std::unique_ptr<FaultInjectionVfs> vfs_;
  ManualClock clock_{std::chrono::system_clock::now()};
  std::mt19937_64 random_;
  Model model_;
  Totals totals_;
  std::atomic<std::size_t> in_flight_{0};
  spdlog::level::level_enum log_level_ = spdlog::level::info;
};

void PowerLossTest::Verify(JobStore& store, const std::string& context) {
  std::lock_guard lock(model_.mutex);
  // First the main claim: every acknowledged job is there, at its acknowledged version or later.
  for (const auto& [id, known] : model_.jobs) {
    if (!known.durable) continue;
    auto stored = store.GetJob(id);
    ASSERT_TRUE(stored.ok()) << context << ": acknowledged job " << id << " (version " << known.acked.version
                             << ") is gone: " << stored.error().message();
    ASSERT_GE(stored->version, known.acked.version)
        << context << ": job " << id << " lost its acknowledged version " << known.acked.version;
  }
  // The stream as it is now, every shard.
  std::map<std::int64_t, stream::StreamRecord> present;
  for (int shard = 0; shard < store.shard_count(); ++shard) {
    auto records = store.ReadStream(shard, 0, std::size_t{1} << 30);
    ASSERT_TRUE(records.ok()) << context << ": " << records.error().message();
    std::int64_t previous = 0;
    for (stream::StreamRecord& record : *records) {
      ASSERT_GT(record.sequence, previous) << context << ": shard " << shard << " out of order";
      previous = record.sequence;
      auto [at, inserted] = present.emplace(record.sequence, std::move(record));
      ASSERT_TRUE(inserted) << context << ": sequence number " << at->first << " in two shards";
    }
  }
  // Checkpoints: the acknowledged ones are there (or later ones).
  std::map<std::pair<std::string, int>, std::int64_t> checkpoints;
  for (const std::string& consumer : kConsumers) {
    for (int shard = 0; shard < store.shard_count(); ++shard) {
      auto loaded = store.LoadCheckpoint(consumer, shard);
      ASSERT_TRUE(loaded.ok()) << context << ": " << loaded.error().message();
      checkpoints[{consumer, shard}] = *loaded;
      auto acked = model_.checkpoints.find({consumer, shard});
      if (acked != model_.checkpoints.end()) {
        ASSERT_GE(*loaded, acked->second)
            << context << ": acknowledged checkpoint of " << consumer << " in shard " << shard << " lost";
      }
    }
  }
  auto trim_bound = [&checkpoints](int shard) {
    std::int64_t bound = std::numeric_limits<std::int64_t>::max();
    for (const std::string& consumer : kConsumers) bound = std::min(bound, checkpoints[{consumer, shard}]);
    return bound;
  };
  // Every durable record is there, or rightly trimmed; the ones found are what was reported.
  for (auto& [sequence, known] : model_.records) {
    auto found = present.find(sequence);
    if (found == present.end()) {
      ASSERT_LE(sequence, trim_bound(known.shard))
          << context << ": durable record " << sequence << " (" << known.event_name << " of job " << known.job_id
          << ", shard " << known.shard << ") is gone, and not every consumer had passed it";
      if (!known.trimmed) totals_.trimmed += 1;
      known.trimmed = true;
    } else {
      ASSERT_FALSE(known.trimmed) << context << ": trimmed record " << sequence << " is back";
      ASSERT_EQ(found->second.job_id, known.job_id)
          << context << ": sequence number " << sequence << " now names another record";
      ASSERT_EQ(found->second.shard, known.shard) << context << ": record " << sequence << " moved shards";
      ASSERT_EQ(found->second.event_name, known.event_name) << context << ": record " << sequence;
    }
    totals_.records_checked += 1;
  }
  // Records durable but never reported (the cut came between the sync and the listener) join.
  for (const auto& [sequence, record] : present) {
    auto [at, inserted] =
        model_.records.try_emplace(sequence, Model::KnownRecord{record.shard, record.job_id, record.event_name, false});
    (void)at;
    (void)inserted;
  }
  // No gap: every number up to the newest is one record's (found or trimmed).
  std::int64_t expected = 1;
  for (const auto& [sequence, known] : model_.records) {
    ASSERT_EQ(sequence, expected) << context << ": sequence numbers " << expected << " to " << sequence - 1
                                  << " are missing (newest " << model_.records.rbegin()->first << ")";
    expected = sequence + 1;
  }
  // No checkpoint ahead of durable data: each names a durable record of its shard.
  for (const auto& [key, sequence] : checkpoints) {
    if (sequence == 0) continue;
    auto known = model_.records.find(sequence);
    ASSERT_TRUE(known != model_.records.end() && known->second.shard == key.second)
        << context << ": checkpoint of " << key.first << " in shard " << key.second << " at " << sequence
        << ", which is no durable record of that shard";
  }
  model_.checkpoints = checkpoints;
  // Records per job: exactly one per change.
  std::map<std::string, std::int64_t> records_of;
  for (const auto& [sequence, known] : model_.records) records_of[known.job_id] += 1;
  auto record_count = [&records_of](const std::string& id) {
    auto found = records_of.find(id);
    return found == records_of.end() ? std::int64_t{0} : found->second;
  };
  model_.durable_ids.clear();
  for (auto it = model_.jobs.begin(); it != model_.jobs.end();) {
    auto& [id, known] = *it;
    auto stored = store.GetJob(id);
    if (!stored.ok()) {
      ASSERT_EQ(stored.error().code(), StatusCode::kNotFound) << context << ": " << stored.error().message();
      ASSERT_FALSE(known.durable) << context << ": acknowledged job " << id << " (version " << known.acked.version
                                  << ") is gone";
      ASSERT_EQ(record_count(id), 0) << context << ": job " << id << " is gone but has stream records";
      totals_.lost_writes += 1;
      it = model_.jobs.erase(it);
      continue;
    }
    if (known.durable) {
      ASSERT_GE(stored->version, known.acked.version)
          << context << ": job " << id << " lost its acknowledged version " << known.acked.version;
      if (stored->version == known.acked.version) {
        for (const auto& [consumer, state] : known.acked.consumers) {
          ASSERT_EQ(stored->consumers[consumer].status, state.status)
              << context << ": job " << id << " " << consumer << " at version " << stored->version;
        }
      }
      totals_.jobs_checked += 1;
    } else {
      totals_.distinct_jobs += 1;  // durable though never acknowledged: from now on it counts
    }
    ASSERT_EQ(record_count(id), stored->version + 1) << context << ": job " << id << " at version " << stored->version
                                                     << " has " << record_count(id) << " stream records";
    known.acked = std::move(stored).value();
    known.durable = true;
    known.updating = false;
    model_.durable_ids.push_back(id);
    ++it;
  }
  for (const auto& [id, count] : records_of) {
    ASSERT_TRUE(model_.jobs.count(id) != 0) << context << ": " << count << " stream records of unknown job " << id;
  }
}

void PowerLossTest::RunLoad(JobStore& store) {
  auto acked_insert = [this](std::vector<Job> jobs) {
    return [this, jobs = std::move(jobs)](const Status& status) {
      {
        std::lock_guard lock(model_.mutex);
        if (status.ok()) {
          for (const Job& job : jobs) {
            Model::KnownJob& known = model_.jobs[job.id];
            known.acked = job;
            known.durable = true;
            model_.durable_ids.push_back(job.id);
            totals_.distinct_jobs += 1;
          }
        }
      }
      in_flight_ -= 1;
    };
  };
  for (int step = 0; step < kMaxSteps && !vfs_->crashed(); ++step) {
    if (in_flight_ >= kMaxInFlight) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    auto choice = random_() % 100;
    if (choice < 35) {  // one job
      Job job = NewJob();
      {
        std::lock_guard lock(model_.mutex);
        model_.jobs[job.id].acked = job;
      }
      in_flight_ += 1;
      store.InsertJob(job, acked_insert({job}));
    } else if (choice < 45) {  // a batch, all or none
      std::vector<Job> jobs;
      for (std::uint64_t n = random_() % 6 + 2; n > 0; --n) jobs.push_back(NewJob());
      {
        std::lock_guard lock(model_.mutex);
        for (const Job& job : jobs) model_.jobs[job.id].acked = job;
      }
      in_flight_ += 1;
      store.InsertJobs(jobs, acked_insert(jobs));
    } else if (choice < 80) {  // a consumer's next state on a durable job
      std::unique_lock lock(model_.mutex);
      if (model_.durable_ids.empty()) continue;
      std::string id = model_.durable_ids[random_() % model_.durable_ids.size()];
      Model::KnownJob& known = model_.jobs[id];
      const std::string& consumer = kConsumers[random_() % kConsumers.size()];
      if (known.updating || known.acked.consumers[consumer].IsTerminal()) continue;
      ConsumerState next;
      if (known.acked.consumers[consumer].status == "Pending") {
        next.status = "Running";
      } else if (random_() % 4 == 0) {
        next.status = "Failure";
        next.error = boost::json::object{{"errorType", "Test"}, {"errorMessage", "failed on purpose"}};
      } else {
        next.status = "Success";
        next.results = "done";
      }
      known.updating = true;
      Job current = known.acked;
      lock.unlock();
      in_flight_ += 1;
      store.UpdateConsumerState(current, consumer, std::move(next), [this, id](Result<Job> written) {
        {
          std::lock_guard callback_lock(model_.mutex);
          Model::KnownJob& updated = model_.jobs[id];
          updated.updating = !written.ok();  // unknown outcome: leave the job alone until a reopen
          if (written.ok()) {
            updated.acked = std::move(written).value();
            totals_.acked_updates += 1;
          }
        }
        in_flight_ -= 1;
      });
    } else if (choice < 93) {  // a consumer checkpoints a durable record of a shard
      std::unique_lock lock(model_.mutex);
      int shard = static_cast<int>(random_() % kShards);
      const std::string& consumer = kConsumers[random_() % kConsumers.size()];
      std::vector<std::int64_t> candidates;
      for (auto it = model_.records.rbegin(); it != model_.records.rend() && candidates.size() < 8; ++it) {
        if (it->second.shard == shard) candidates.push_back(it->first);
      }
      if (candidates.empty()) continue;
      std::int64_t sequence = candidates[random_() % candidates.size()];
      lock.unlock();
      in_flight_ += 1;
      store.SaveCheckpoint(consumer, shard, sequence, [this, consumer, shard, sequence](const Status& status) {
        {
          std::lock_guard callback_lock(model_.mutex);
          if (status.ok()) {
            std::int64_t& acked = model_.checkpoints[{consumer, shard}];
            acked = std::max(acked, sequence);
            totals_.acked_checkpoints += 1;
          }
        }
        in_flight_ -= 1;
      });
    } else {  // time passes: records age past the retention, and the writer trims
      clock_.Advance(std::chrono::minutes(random_() % 20 + 1));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  vfs_->CrashNow();  // if the armed point was not reached: the power goes now
}

TEST_F(PowerLossTest, AcknowledgedWritesSurviveEveryPowerCut) {
  const std::uint64_t seed = EnvNumber("JOBSTREAM_POWER_LOSS_SEED", 1);
  const auto crashes = static_cast<int>(EnvNumber("JOBSTREAM_POWER_LOSS_CRASHES", 300));
  random_.seed(seed);
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<testing::TempDir> dir;
  for (int cycle = 0; cycle < crashes; ++cycle) {
    if (cycle % kCrashesPerDirectory == 0) {
      dir.reset();  // a fresh directory, and a fresh model
      dir = std::make_unique<testing::TempDir>();
      model_.Reset();
    }
    std::string context = fmt::format("seed {} cycle {}", seed, cycle);
    Status status;
    // Sometimes the power goes again while the store recovers from the last cut.
    if (cycle % kCrashesPerDirectory != 0 && random_() % 8 == 0) {
      vfs_->ArmCrash(random_() % 40 + 1);
      auto store = OpenStore(dir->path(), status);
      if (store) store->Close();
      store.reset();
      vfs_->CrashNow();
      totals_.crash_points[vfs_->crash_point()] += 1;
      totals_.during_recovery += 1;
      totals_.crashes += 1;
      ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kTear, random_()).ok()) << context;
    }
    vfs_->Disarm();
    auto store = OpenStore(dir->path(), status);
    ASSERT_TRUE(store) << context << ": reopen failed: " << status.message();
    std::string last = fmt::format("{} (after a power cut at '{}')", context, vfs_->crash_point());
    Verify(*store, last);
    if (HasFatalFailure()) return;
    store->SetTrimConsumers(kConsumers);
    store->SetCommitListener([this](const std::shared_ptr<const CommittedRecords>& committed) {
      std::lock_guard lock(model_.mutex);
      for (const stream::StreamRecord& record : committed->records) {
        model_.records[record.sequence] = Model::KnownRecord{record.shard, record.job_id, record.event_name, false};
      }
    });
    // Crash points: any operation, most within the first few commits, some much later; or aimed
    // at the store's sync of the log, at SQLite's own syncs (the log's header after a restart,
    // the log and the database around a checkpoint), or at a checkpoint's writes.
    switch (random_() % 8) {
      case 0:
        vfs_->ArmCrash(random_() % 3000 + 1);
        break;
      case 1:
        vfs_->ArmCrash(random_() % 30 + 1, "log-sync");
        break;
      case 2:
        vfs_->ArmCrash(random_() % 4 + 1, "sync");
        break;
      case 3:
        vfs_->ArmCrash(random_() % 60 + 1, "write db");
        break;
      default:
        vfs_->ArmCrash(random_() % 400 + 1);
    }
    RunLoad(*store);
    store->Close();
    store.reset();
    EXPECT_EQ(in_flight_.load(), 0U);
    bool tear = random_() % 2 == 0;
    (tear ? totals_.tears : totals_.drops) += 1;
    totals_.crash_points[vfs_->crash_point()] += 1;
    totals_.crashes += 1;
    ASSERT_TRUE(vfs_->SimulatePowerLoss(
                        tear ? FaultInjectionVfs::CrashMode::kTear : FaultInjectionVfs::CrashMode::kDrop, random_())
                    .ok())
        << context;
  }
  // The last cut, checked too.
  Status status;
  auto store = OpenStore(dir->path(), status);
  ASSERT_TRUE(store) << status.message();
  Verify(*store, fmt::format("seed {} final", seed));
  store.reset();

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string points;
  for (const auto& [point, count] : totals_.crash_points)
    points += fmt::format("{}{}: {}", points.empty() ? "" : ", ", point, count);
  std::cout
      << fmt::format(
             "power loss: seed {}, {} power cuts simulated ({} dropped, {} torn, {} during recovery) in {:.1f} s\n"
             "  checked: {} acknowledged jobs over all reopens ({} distinct), {} acknowledged state updates, "
             "{} acknowledged checkpoints, {} durable stream records ({} trimmed); {} unacknowledged jobs "
             "lost as allowed\n"
             "  crash points: {}\n",
             seed, totals_.crashes, totals_.drops, totals_.tears, totals_.during_recovery, seconds,
             totals_.jobs_checked, totals_.distinct_jobs, totals_.acked_updates, totals_.acked_checkpoints,
             totals_.records_checked, totals_.trimmed, totals_.lost_writes, points)
      << std::flush;
  RecordProperty("crashes", totals_.crashes);
  RecordProperty("jobs_checked", static_cast<int>(totals_.jobs_checked));
}

}  // namespace
}  // namespace jobstream::store
