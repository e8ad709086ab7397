#include "worker_threads.h"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <thread>

namespace jobstream::bench {

WorkerThreads::WorkerThreads(int count) {
  for (int i = 0; i < std::max(1, count); ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
  }
}

void WorkerThreads::Run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    threads.emplace_back([&io = *contexts_[i], i] {
      std::string name = "bench-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      io.run();
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace jobstream::bench
