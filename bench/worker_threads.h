// The load generator's threads: one io_context each, so no connection, timer or statistic is
// ever shared between threads; results are merged after Run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

namespace jobstream::bench {

// Objects bound to io(i) must be destroyed before this (declare them after it).
class WorkerThreads {
 public:
  explicit WorkerThreads(int count);

  int size() const { return static_cast<int>(contexts_.size()); }
  boost::asio::io_context& io(int index) { return *contexts_[index]; }

  // Runs every io_context on a thread of its own (bench-io-N) until each has no work left.
  void Run();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
};

}  // namespace jobstream::bench
