// Admission to a bounded SQLite store (store.max_size_mb): the space account that decides,
// before any SQL runs, whether a new job may come in, so that every job accepted can finish.
//
// The bound covers the database and its write-ahead log together: the log gets a quarter (it is
// restarted at an eighth, and its file is reused at that size), the database the rest. A new job
// is refused unless the space in use, plus a reserve for the status writes of every unfinished
// job, stays under kRefuseFraction of the database's share, and the log, plus twice what the batch
// has inserted so far, under kRefuseFraction of its own. Outcomes of accepted jobs, checkpoints and
// trims are never refused: they fit in the rest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/clock.h"

namespace jobstream::store::sqlite {

class SpaceAdmission {
 public:
  // `max_size_bytes` 0: unbounded, everything is admitted. `clock` is not owned.
  SpaceAdmission(std::uint64_t max_size_bytes, Clock* clock) : max_size_bytes_(max_size_bytes), clock_(clock) {}

  bool bounded() const { return max_size_bytes_ > 0; }
  std::uint64_t DatabaseBound() const;  // the database's share of the bound, in bytes
  std::uint64_t LogBound() const;       // the log's share
  // Log frames past which the checkpointer restarts the log (0: the checkpointer's default).
  int CheckpointFrames() const;

  // Writer thread only, from here to NoteFinishedJob.
  // The log's length in frames after the last commit, as SQLite's WAL hook reports it (the file is
  // reused from its start after a restart, so its size is the largest count seen).
  void NoteLogFrames(int frames) { log_frames_ = frames; }
  // Whether the writer should restart the log itself before its next batch: the checkpointer
  // restarts it long before, but a reader can hold a restart off and the writer does not wait.
  bool LogNeedsRestart() const;
  void NoteLogRestarted() { log_frames_ = 0; }  // the next commit starts the log over

  // A new batch: the pages in use as measured now, and the consumers whose status writes each
  // job will need.
  void StartBatch(std::int64_t used_bytes, std::size_t consumers);
  // Whether consumed records should be trimmed early, whatever their age, to make room.
  bool WantsEarlyTrim() const;
  // Whether `new_jobs` new items of `bytes` (items and records) in all still fit, with what the
  // batch admitted so far.
  bool AdmitsNew(std::int64_t bytes, std::int64_t new_jobs) const;
  // Counts them in the batch (nothing when unbounded).
  void Admit(std::int64_t bytes, std::int64_t new_jobs);
  // What the batch admitted, to go back to when a transaction pass is rolled back.
  struct BatchMark {
    std::int64_t bytes = 0;
    std::int64_t jobs = 0;
  };
  BatchMark Mark() const { return {batch_bytes_, batch_jobs_}; }
  void Rewind(BatchMark mark) {
    batch_bytes_ = mark.bytes;
    batch_jobs_ = mark.jobs;
  }
  // After a commit: a job inserted (`bytes` for its item and record), and whether some consumer
  // will write its state; a job whose last consumer finished.
  void NoteInsertedJob(std::int64_t bytes, bool awaits_consumers);
  void NoteFinishedJob();
  void SetUnfinishedJobs(std::int64_t jobs) { unfinished_jobs_ = jobs; }

  // Any thread: a new job was refused for want of room. The store counts as not ready for
  // kFullRefusalMemory after it, then ready again so that clients (or a load balancer, which
  // sends nothing to an instance it thinks unready) try again.
  void NoteRefusal();
  bool RefusedRecently() const;

 private:
  static constexpr auto kFullRefusalMemory = std::chrono::seconds(2);
  std::uint64_t LogBytes() const;  // the log file's size as of the last commit
  bool LogHasRoomFor(std::int64_t bytes) const;

  // Constant after construction.
  const std::uint64_t max_size_bytes_;
  Clock* const clock_;

  // Writer thread only.
  int log_frames_ = 0;
  std::int64_t used_bytes_ = 0;       // pages in use at the start of the batch
  std::int64_t batch_bytes_ = 0;      // inserted by the batch so far
  std::int64_t batch_jobs_ = 0;       // admitted by the batch so far (reserved like unfinished ones)
  std::int64_t unfinished_jobs_ = 0;  // accepted, not yet Success/Failure on every consumer
  double job_bytes_ = 2048;           // running average of a job's item and INSERT record
  std::size_t consumers_ = 0;         // whose status writes each job will need

  // When a new job was last refused (steady clock ticks; 0: never).
  std::atomic<std::int64_t> last_refusal_{0};
};

}  // namespace jobstream::store::sqlite
