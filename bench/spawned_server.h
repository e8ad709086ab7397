// A jobstream server the bench starts itself: `jobstream serve --listen 127.0.0.1:0` on a fresh
// data directory, with an access key made by `jobstream keys create`, stopped with SIGTERM.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/sigv4_signer.h"
#include "common/result.h"

namespace jobstream::bench {

struct SpawnOptions {
  std::filesystem::path binary;                 // the jobstream executable
  std::optional<std::filesystem::path> config;  // passed as --config
  std::filesystem::path parent_dir;             // the data directory is made inside
  bool keep_data = false;                       // leave the data directory behind
  std::vector<std::string> extra_args;          // appended to `serve`
  std::chrono::seconds start_timeout{30};
};

// Not thread-safe. The destructor stops the server if Stop was not called.
class SpawnedServer {
 public:
  static Result<std::unique_ptr<SpawnedServer>> Start(const SpawnOptions& options);
  ~SpawnedServer();
  SpawnedServer(const SpawnedServer&) = delete;
  SpawnedServer& operator=(const SpawnedServer&) = delete;

  // Sends SIGTERM and waits for the exit (SIGKILL after `grace`); returns the exit description
  // ("exit 0", "signal 9"). Then removes the data directory unless keep_data.
  std::string Stop(std::chrono::seconds grace = std::chrono::seconds(30));

  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  const auth::SigningCredentials& credentials() const { return credentials_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The filesystem type the data directory is on (e.g. "ext4"); durable-write numbers mean
  // little on "tmpfs".
  const std::string& filesystem() const { return filesystem_; }

 private:
  SpawnedServer() = default;

  pid_t pid_ = -1;
  std::string url_;
  auth::SigningCredentials credentials_;
  std::filesystem::path data_dir_;
  std::string filesystem_;
  bool keep_data_ = false;
};

}  // namespace jobstream::bench
