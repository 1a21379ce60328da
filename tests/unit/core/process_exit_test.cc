// SPDX-License-Identifier: Apache-2.0
#include "core/process_exit.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace bw {
namespace {

// Runs `child` in a forked process whose stdout is a pipe (fully buffered, as when redirected to
// a file); returns what it wrote there and sets `status` to its wait status.
template <typename F>
std::string RunInChild(F child, int* status) {
  std::fflush(nullptr);
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (dup2(fds[1], STDOUT_FILENO) < 0) {
      _exit(100);
    }
    static char buffer[BUFSIZ];
    setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
    child();
    _exit(101);  // not reached: `child` ends the process
  }
  close(fds[1]);
  std::string out;
  char chunk[256];
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof chunk)) > 0) {
    out.append(chunk, static_cast<size_t>(n));
  }
  close(fds[0]);
  waitpid(pid, status, 0);
  return out;
}

int g_atexit_fd = -1;

void WriteAtExit() {
  if (write(g_atexit_fd, "atexit", 6) < 0) {
    // Nothing to do: the test sees the missing text.
  }
}

TEST(FlushOutputAndExitTest, FlushesBufferedOutputKeepsTheCodeAndRunsNoExitHandler) {
  int status = 0;
  const std::string out = RunInChild(
      [] {
        g_atexit_fd = STDOUT_FILENO;
        std::atexit(WriteAtExit);
        std::printf("stdio;");
        std::cout << "cout;";
        FlushOutputAndExit(7);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(out, "stdio;cout;");  // and no "atexit"
}

TEST(FlushOutputAndExitTest, FlushesEveryOpenStdioStream) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("bw_flush_exit_" + std::to_string(getpid()) + ".txt");
  int status = 0;
  RunInChild(
      [&path] {
        std::FILE* f = std::fopen(path.c_str(), "w");
        if (f == nullptr) {
          _exit(102);
        }
        std::fputs("left open", f);  // never closed: only the flush writes it
        FlushOutputAndExit(0);
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "left open");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace bw
