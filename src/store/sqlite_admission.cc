#include "store/sqlite_admission.h"

#include <algorithm>

namespace jobstream::store::sqlite {
namespace {

// The log's share of the bound is 1 / kLogShareOfBound.
constexpr std::uint64_t kLogShareOfBound = 4;
constexpr std::uint64_t kAssumedPageBytes = 4096;  // SQLite's default page size, which we keep
// A log frame is a page plus its 24-byte header; the file starts with a 32-byte header.
constexpr std::uint64_t kLogFrameBytes = kAssumedPageBytes + 24;
constexpr std::uint64_t kLogHeaderBytes = 32;
// Everything in use plus the reserve must stay under this share of the bound; the rest is slack
// for checkpoints, trims and estimates that fell short. Each status write appends a MODIFY
// record and rewrites the item: about what the job's INSERT cost. Records every consumer has
// passed are trimmed early (at most once a second) once kTrimFraction of the bound is in use.
constexpr double kRefuseFraction = 0.9;
constexpr double kTrimFraction = 0.5;
constexpr int kStatusWritesPerConsumer = 2;  // Running (after the grace period), then the outcome
// Past this share of its bound the writer restarts the log itself (LogNeedsRestart).
constexpr double kLogRestartFraction = 0.5;

}  // namespace

std::uint64_t SpaceAdmission::DatabaseBound() const { return max_size_bytes_ - max_size_bytes_ / kLogShareOfBound; }

std::uint64_t SpaceAdmission::LogBound() const { return max_size_bytes_ / kLogShareOfBound; }

int SpaceAdmission::CheckpointFrames() const {
  if (!bounded()) return 0;
  return static_cast<int>(
      std::clamp<std::uint64_t>(max_size_bytes_ / kLogShareOfBound / 2 / kAssumedPageBytes, 16, 16384));
}

std::uint64_t SpaceAdmission::LogBytes() const {
  return kLogHeaderBytes + static_cast<std::uint64_t>(log_frames_) * kLogFrameBytes;
}

bool SpaceAdmission::LogNeedsRestart() const {
  return bounded() && static_cast<double>(LogBytes()) >= kLogRestartFraction * static_cast<double>(LogBound());
}

void SpaceAdmission::StartBatch(std::int64_t used_bytes, std::size_t consumers) {
  used_bytes_ = used_bytes;
  batch_bytes_ = 0;
  batch_jobs_ = 0;
  consumers_ = consumers;
}

bool SpaceAdmission::WantsEarlyTrim() const {
  return bounded() && static_cast<double>(used_bytes_) >= kTrimFraction * static_cast<double>(DatabaseBound());
}

bool SpaceAdmission::AdmitsNew(std::int64_t bytes, std::int64_t new_jobs) const {
  if (!bounded()) return true;
  auto jobs = static_cast<double>(unfinished_jobs_ + batch_jobs_ + new_jobs);
  // Twice the bytes: rows are stored in whole pages, and big ones fill a page each.
  double reserve =
      jobs * 2 * job_bytes_ * kStatusWritesPerConsumer * static_cast<double>(std::max<std::size_t>(consumers_, 1));
  double needed = static_cast<double>(used_bytes_ + batch_bytes_ + bytes) + reserve;
  return needed <= kRefuseFraction * static_cast<double>(DatabaseBound()) && LogHasRoomFor(bytes);
}

bool SpaceAdmission::LogHasRoomFor(std::int64_t bytes) const {
  double needed = static_cast<double>(LogBytes()) + 2.0 * static_cast<double>(batch_bytes_ + bytes);
  return needed <= kRefuseFraction * static_cast<double>(LogBound());
}

void SpaceAdmission::Admit(std::int64_t bytes, std::int64_t new_jobs) {
  if (!bounded()) return;
  batch_bytes_ += bytes;
  batch_jobs_ += new_jobs;
}

void SpaceAdmission::NoteInsertedJob(std::int64_t bytes, bool awaits_consumers) {
  job_bytes_ = 0.99 * job_bytes_ + 0.01 * static_cast<double>(bytes);
  if (awaits_consumers) unfinished_jobs_ += 1;
}

void SpaceAdmission::NoteFinishedJob() { unfinished_jobs_ = std::max<std::int64_t>(unfinished_jobs_ - 1, 0); }

void SpaceAdmission::NoteRefusal() {
  last_refusal_.store(clock_->SteadyNow().time_since_epoch().count(), std::memory_order_relaxed);
}

bool SpaceAdmission::RefusedRecently() const {
  auto refused_at = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_refusal_.load(std::memory_order_relaxed)));
  return refused_at.time_since_epoch().count() != 0 && clock_->SteadyNow() - refused_at < kFullRefusalMemory;
}

}  // namespace jobstream::store::sqlite
