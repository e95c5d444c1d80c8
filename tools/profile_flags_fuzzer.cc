// Fuzzes the launcher's flag parser, and checks that the launcher and the
// preloaded library agree:
//   - flags the launcher accepts become an environment the library accepts,
//     with the same values;
//   - a single numeric or mode flag is accepted by the launcher exactly
//     when the same text in its TIDEMARK_* variable is accepted by the
//     library;
//   - the switches (--no-oom-detection, --oom-exit) reach the library as
//     the same settings, and their absence as the library's defaults. (Names
//     are checked against the plugin registry separately, and the reporter
//     list's empty names are a known difference, so those are left to the
//     end-to-end table in testdata/e2e/test_bad_input.py.)
//
// Input: arguments separated by NUL bytes. When the first byte is below
// kFlags, the input is instead one value for that flag.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/config.h"
#include "tools/child_env.h"
#include "tools/profile_flags.h"

namespace tidemark {
namespace {

void Check(bool ok) {
  if (!ok) abort();
}

bool LibraryAccepts(const std::vector<std::string>& entries, Config* config) {
  std::vector<std::string> copies = entries;
  std::vector<char*> envp;
  envp.reserve(copies.size() + 1);
  for (std::string& entry : copies) envp.push_back(&entry[0]);
  envp.push_back(nullptr);
  char error[512];
  return ConfigFromEnvironment(envp.data(), config, error, sizeof(error));
}

// The launcher accepted `flags`: the library must accept what it passes on.
void CheckLibraryAgrees(const ProfileFlags& flags) {
  char* parent[] = {nullptr};
  const std::vector<std::string> env =
      BuildChildEnvironment(parent, flags, "/reports", "/lib.so", "");
  Config config;
  Check(LibraryAccepts(env, &config));
  Check(config.mode == flags.mode);
  Check(config.launched_by_tool);
  if (flags.unwinder) Check(*flags.unwinder == config.unwinder);
  if (flags.reporters) Check(*flags.reporters == config.reporters);
  if (flags.sample_interval_bytes) {
    Check(*flags.sample_interval_bytes == config.sample_interval_bytes);
  }
  if (flags.flush_interval_seconds) {
    Check(*flags.flush_interval_seconds == config.flush_interval_seconds);
  }
  if (flags.top_rows) Check(*flags.top_rows == config.top_rows);
  if (flags.sample_seed) Check(*flags.sample_seed == config.sample_seed);
  // The switches, and the library's defaults when they were not given.
  Check(config.oom_detection == flags.oom_detection.value_or(true));
  Check(config.oom_exit == flags.oom_exit.value_or(false));
}

struct SameRules {
  const char* flag;
  const char* variable;
};
constexpr SameRules kSameRules[] = {
    {"mode", kEnvMode},
    {"sample-interval", kEnvSampleInterval},
    {"flush-interval", kEnvFlushInterval},
    {"top", kEnvTop},
    {"seed", kEnvSampleSeed},
};
constexpr size_t kFlags = sizeof(kSameRules) / sizeof(kSameRules[0]);

}  // namespace
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  if (size > 0 && data[0] < kFlags) {
    const SameRules& rule = kSameRules[data[0]];
    std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
    value = value.substr(0, value.find('\0'));  // argv cannot hold a NUL
    ProfileFlags flags;
    std::string error;
    const bool launcher = ParseProfileFlags(
        {std::string("--") + rule.flag + "=" + value, "cmd"}, &flags, &error);
    Config config;
    const bool library =
        LibraryAccepts({std::string(rule.variable) + "=" + value}, &config);
    Check(launcher == library);
    return 0;
  }

  std::vector<std::string> args;
  size_t start = 0;
  while (start <= size && args.size() < 64) {
    const uint8_t* nul = static_cast<const uint8_t*>(
        start < size ? memchr(data + start, '\0', size - start) : nullptr);
    const size_t end = nul == nullptr ? size : static_cast<size_t>(nul - data);
    args.emplace_back(reinterpret_cast<const char*>(data) + start, end - start);
    start = end + 1;
  }
  ProfileFlags flags;
  std::string error;
  if (ParseProfileFlags(args, &flags, &error)) {
    // --help and --list-plugins print and exit: no command, nothing passed on.
    const bool prints_only = flags.help || flags.list_plugins;
    Check(prints_only || !flags.command.empty());
    if (!prints_only) CheckLibraryAgrees(flags);
  } else {
    Check(!error.empty());
  }
  return 0;
}
