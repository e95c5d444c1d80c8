#include "reporters/testing/python_json.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "reporters/testing/test_files.h"

namespace tidemark {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

constexpr char kPrelude[] = R"(import json, sys

def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError('duplicate key in %r' % keys)
    return dict(pairs)

with open(sys.argv[1], encoding='utf-8', errors='strict') as f:
    data = json.load(f, object_pairs_hook=no_duplicates)
)";

}  // namespace

bool PythonAvailable() { return access(kPython, X_OK) == 0; }

bool RunPythonOnJson(const std::string& json_path,
                     const std::string& python_code, std::string* output) {
  // The program goes in a file so no shell quoting can alter it.
  const std::string script =
      MakeTestDirectory("python_json_script") + "/check.py";
  std::ofstream(script) << kPrelude << python_code << "\n";
  const std::string command =
      std::string(kPython) + " '" + script + "' '" + json_path + "' 2>&1";
  output->clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *output = "cannot run " + command;
    return false;
  }
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output->append(buffer, n);
  }
  const int status = pclose(pipe);
  // print() ends with a newline; callers compare the value alone.
  if (!output->empty() && output->back() == '\n') output->pop_back();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace tidemark
