// The unit tests' main: gtest_main's, with the server's signal disposition. The server ignores
// SIGPIPE (src/cli/main.cc), and code under test relies on it: writing an event to a function
// process that exited without reading it must be an EPIPE, not the death of the test binary.
#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
