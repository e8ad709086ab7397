#include "worker_threads.h"

#include <algorithm>
#include <thread>

namespace jobstream::bench {

WorkerThreads::WorkerThreads(int count) {
  for (int i = 0; i < std::max(1, count); ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

void WorkerThreads::Run() {
  std::vector<std::thread> threads;
  for (auto& io : contexts_) threads.emplace_back([&io] { io->run(); });
  for (auto& thread : threads) thread.join();
}

}  // namespace jobstream::bench
