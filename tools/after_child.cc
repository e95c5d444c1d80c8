#include "tools/after_child.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "core/message_text.h"
#include "core/profile_format.h"
#include "core/profile_reader.h"
#include "tools/report_command.h"

namespace tidemark {
namespace {

void Say(const std::string& message) {
  fprintf(stderr, "tidemark: %s\n", EscapeControlBytes(message).c_str());
}

}  // namespace

int RunReportTool(const std::string& tool,
                  const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(tool.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execv(tool.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ChildEndingSummary(const ChildStatus& status,
                               const EndingWords& words) {
  if (status.signal != 0) return "the program was " + words.ended;
  return "the program ended with exit code " +
         std::to_string(status.exit_code) + " without writing its reports";
}

std::vector<std::string> RenderArguments(const std::string& folder,
                                         const EndingWords& words,
                                         int exit_code) {
  std::vector<std::string> args = {"--quiet", "--reason=" + words.reason,
                                   "--ended=" + words.ended};
  if (exit_code >= 0) {
    args.push_back("--exit-code=" + std::to_string(exit_code));
  }
  args.push_back(folder);
  return args;
}

EndingWords DescribeEnding(const ChildStatus& status, bool oom_killed) {
  EndingWords words;
  if (status.signal != 0) {
    if (status.signal == SIGKILL && oom_killed) {
      words.reason = "killed by the kernel's OOM killer";
      words.ended = "killed by the kernel's OOM killer";
    } else {
      words.reason = SignalText(status.signal);
      words.ended = "killed by " + words.reason;
    }
  } else {
    words.reason = "exit";
    words.ended = "exit code " + std::to_string(status.exit_code) +
                  ", without writing its reports (os._exit, or a crash "
                  "while exiting)";
  }
  return words;
}

bool RenderAfterChild(const std::string& report_tool,
                      const std::string& report_folder,
                      const ChildStatus& status, int64_t oom_kills_before,
                      int64_t oom_kills_after) {
  std::string error;
  std::unique_ptr<ProfileFile> file = ProfileFile::Open(report_folder, &error);
  if (file == nullptr) return false;  // no stored profile: nothing to add
  StoredEnding ending;
  if (!ReadStoredEnding(*file, &ending, &error)) {
    Say(error);
    return false;
  }
  if (ending.final_reports_written) return false;
  const bool oom_killed =
      oom_kills_before >= 0 && oom_kills_after > oom_kills_before;
  const EndingWords words = DescribeEnding(status, oom_killed);
  const std::string path = file->path();
  file.reset();
  if (access(report_tool.c_str(), X_OK) != 0) {
    Say(ChildEndingSummary(status, words) + "; its profile is kept in " + path +
        " (no renderer found at " + report_tool +
        "; render it with //tools:report)");
    return false;
  }
  const int rendered = RunReportTool(
      report_tool,
      RenderArguments(path, words, status.signal == 0 ? status.exit_code : -1));
  if (rendered != 0) return false;  // the renderer said why
  Say(ChildEndingSummary(status, words) +
      "; its reports were rendered from its stored profile");
  return true;
}

}  // namespace tidemark
