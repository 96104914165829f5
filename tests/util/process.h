// Child processes for tests: start, wait, capture output.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vest::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// fork + exec of `args` with stdin from /dev/null, stdout and stderr to files,
// in a new session (no controlling terminal, so password prompts fail rather
// than block). `search_path` looks args[0] up in PATH.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& out,
            const std::filesystem::path& err, bool search_path);
// Waits for `pid`; its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid);
// Runs a program to completion; `args[0]` is looked up in PATH.
RunResult run_program(const std::vector<std::string>& args);
// True when `program` is an executable file in a PATH folder.
bool on_path(const std::string& program);

}  // namespace vest::test
