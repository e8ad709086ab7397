#include "store/wal_checkpointer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace jobstream::store {
namespace {

// At most one checkpoint per interval: a busy writer's commits are copied in bulk.
constexpr auto kInterval = std::chrono::milliseconds(200);
// Past this many frames (of 4 KiB: 64 MiB) PASSIVE checkpoints are not keeping the log short
// (under steady reads and writes the log never restarts on its own: some reader always holds
// it), so a RESTART checkpoint waits for the readers, copies the rest and makes the next commit
// start the log over. Measured at ~12–15k jobs/s: a RESTART at 64 MiB stalls commits for tens
// of milliseconds (e2e max 27–44 ms, and 15.0k instead of 12.6k jobs/s with the shorter log);
// the former TRUNCATE at 1 GiB stalled them 0.74–0.92 s, a TRUNCATE at 128 MiB 0.14–0.2 s (the
// truncation itself is slow). The log file keeps its size for reuse.
constexpr int kDefaultMaxLogFrames = 16384;

}  // namespace

std::unique_ptr<WalCheckpointer> WalCheckpointer::Start(const std::filesystem::path& db_path, int max_log_frames,
                                                        Status& status, const std::string& vfs) {
  auto connection = Connection::Open(db_path, status, vfs);
  if (!connection) return nullptr;
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(std::move(connection)));
  checkpointer->max_log_frames_ = max_log_frames > 0 ? max_log_frames : kDefaultMaxLogFrames;
  // Only to start writeback and to flush before a restart (see Checkpoint); the checkpoint works
  // without it.
  // flawfinder: ignore (read-only, the database SQLite just opened; used for sync_file_range only)
  int database_fd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  checkpointer->database_fd_ = database_fd;
  checkpointer->thread_ = std::thread([raw = checkpointer.get()] { raw->Run(); });
  return checkpointer;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (database_fd_ >= 0) ::close(database_fd_);
}

void WalCheckpointer::NoteCommit() {
  {
    std::lock_guard lock(mutex_);
    if (pending_) return;
    pending_ = true;
  }
  wake_.notify_one();
}

void WalCheckpointer::Run() {
  pthread_setname_np(pthread_self(), "js-checkpoint");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return pending_ || stopping_; });  // idle: no wake-ups at all
    bool last = stopping_;
    pending_ = false;
    lock.unlock();
    Checkpoint();
    if (last) return;
    std::this_thread::sleep_for(kInterval);
    lock.lock();
  }
}

void WalCheckpointer::Checkpoint() {
  if (disabled_) return;
  int log_frames = 0;
  int copied_frames = 0;
  int rc =
      sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    failures_.Log(fmt::format("WAL checkpoint failed: {}", connection_->LastError()));
    return;
  }
  if (copied_frames > 0 && database_fd_ >= 0) {
    // A PASSIVE checkpoint that does not reach the end of the log leaves the pages it copied
    // dirty and unsynced (the log still holds them). Left alone, the kernel writes them back in
    // bursts that stall the log's fdatasync behind them: measured at 1,000 jobs/s, e2e p99
    // 3–96 ms and max 25–221 ms without this, 2.8 ms and 6–27 ms with it. Starting the
    // writeback now, without waiting for it, keeps the database's dirty pages few.
    (void)::sync_file_range(database_fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
  }
  if (log_frames > max_log_frames_) {
    // Readers kept the log from restarting; start it over, briefly blocking the writer.
    // Waiting for readers holds the writer off: wait at most a second, well short of the
    // writer's own 5 s busy timeout, and try again at the next checkpoint. (50 ms measured ~3%
    // less e2e throughput than 5 s: the restart gave way too often and the log grew.)
    connection_->SetBusyTimeout(std::chrono::seconds(1));
    // The restart holds the writer off while it syncs the log and then the database; flushing
    // the database's pages first, while the writer runs on, leaves it little to wait for.
    // Measured at ~25k submits/s: a restart took 10–19 ms (every ~0.7 s) without this, 2–4 ms
    // with it.
    if (database_fd_ >= 0 && ::fdatasync(database_fd_) != 0) {
      // The restart's own sync (on SQLite's descriptor) meets the same error and fails safely.
      failures_.Log(fmt::format("flushing the database before a WAL restart failed: {}",
                                std::error_code(errno, std::generic_category()).message()));
    }
    rc = sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    connection_->SetBusyTimeout(std::chrono::seconds(5));
    if (rc == SQLITE_BUSY) {
      spdlog::debug("WAL restart checkpoint gave way to a busy reader or writer; retried later");
    } else if (rc != SQLITE_OK) {
      failures_.Log(fmt::format("WAL restart checkpoint failed: {}", connection_->LastError()));
    }
  }
}

}  // namespace jobstream::store
