// Steps run one after the other where each may finish at once or later, on another thread
// (a conditional write that needs no write finishes at once; one that writes finishes on the
// store's commit thread). Chaining them by calling the next from each one's callback grows the
// stack with every step that finished at once: a page of a thousand jobs that need nothing would
// nest thousands of frames deep. RunSteps loops instead while steps finish at once, and continues
// from the callback of the first that does not.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace jobstream {

// Runs step(0), step(1), … step(count - 1); each must call its `go_on` exactly once, with false
// to stop early. Then (also after an early stop) `finished` runs, once, on the thread of the last
// callback or of the caller.
inline void RunSteps(std::size_t count, std::function<void(std::size_t index, std::function<void(bool)> go_on)> step,
                     std::function<void()> finished) {
  struct Loop {
    std::size_t count;
    std::function<void(std::size_t, std::function<void(bool)>)> step;
    std::function<void()> finished;
    std::size_t next = 0;
  };
  struct Drive {
    static void From(const std::shared_ptr<Loop>& loop) {
      while (loop->next < loop->count) {
        // 0: the step runs; 1: the loop went on without it (it finishes later); 2: it finished.
        auto state = std::make_shared<std::atomic<int>>(0);
        auto more = std::make_shared<std::atomic<bool>>(true);
        loop->step(loop->next++, [loop, state, more](bool go_on) {
          more->store(go_on);
          if (state->exchange(2) != 1) return;  // finished at once: the loop below goes on
          if (go_on) return From(loop);
          loop->finished();
        });
        if (state->exchange(1) != 2) return;  // finishes later: its callback goes on
        if (!more->load()) break;
      }
      loop->finished();
    }
  };
  Drive::From(std::make_shared<Loop>(Loop{count, std::move(step), std::move(finished)}));
}

}  // namespace jobstream
