#include "tools/child_env.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/config.h"

namespace tidemark {
namespace {

constexpr char kPreload[] = "LD_PRELOAD";
constexpr char kPwd[] = "PWD";

// The name part of "NAME=value".
std::string NameOf(const char* entry) {
  const char* equals = strchr(entry, '=');
  return equals == nullptr ? std::string(entry)
                           : std::string(entry, equals - entry);
}

bool IsConfigName(const std::string& name) {
  for (const char* config_name : kEnvNames) {
    if (name == config_name) return true;
  }
  return false;
}

std::string Entry(const char* name, const std::string& value) {
  return std::string(name) + "=" + value;
}

}  // namespace

std::vector<std::string> BuildChildEnvironment(
    char* const* parent_env, const ProfileFlags& flags,
    const std::string& output_dir, const std::string& library,
    const std::string& working_dir, const std::string& preload_last) {
  std::vector<std::string> env;
  std::string preload = library;
  for (char* const* entry = parent_env; entry != nullptr && *entry != nullptr;
       ++entry) {
    std::string name = NameOf(*entry);
    if (name == kPreload) {
      const char* previous = strchr(*entry, '=') + 1;
      if (previous[0] != '\0') preload += std::string(":") + previous;
      continue;
    }
    if (IsConfigName(name) || (!working_dir.empty() && name == kPwd)) continue;
    env.push_back(*entry);
  }
  if (!preload_last.empty()) preload += ":" + preload_last;
  env.push_back(Entry(kPreload, preload));
  if (!working_dir.empty()) env.push_back(Entry(kPwd, working_dir));
  env.push_back(Entry(kEnvMode, ModeName(flags.mode)));
  env.push_back(Entry(kEnvOutput, output_dir));
  if (flags.unwinder) env.push_back(Entry(kEnvUnwinder, *flags.unwinder));
  if (flags.interposer) {
    env.push_back(Entry(kEnvInterposer, *flags.interposer));
  }
  if (flags.reporters) env.push_back(Entry(kEnvReporters, *flags.reporters));
  if (flags.sample_interval_bytes) {
    env.push_back(Entry(kEnvSampleInterval,
                        std::to_string(*flags.sample_interval_bytes)));
  }
  if (flags.flush_interval_seconds) {
    env.push_back(
        Entry(kEnvFlushInterval, ExactDecimal(*flags.flush_interval_seconds)));
  }
  if (flags.top_rows) {
    env.push_back(Entry(kEnvTop, std::to_string(*flags.top_rows)));
  }
  if (flags.sample_seed) {
    env.push_back(Entry(kEnvSampleSeed, std::to_string(*flags.sample_seed)));
  }
  if (flags.oom_detection) {
    env.push_back(Entry(kEnvOomDetection, *flags.oom_detection ? "1" : "0"));
  }
  if (flags.oom_exit) {
    env.push_back(Entry(kEnvOomExit, *flags.oom_exit ? "1" : "0"));
  }
  if (flags.follow_children) {
    env.push_back(
        Entry(kEnvFollowChildren, *flags.follow_children ? "1" : "0"));
  }
  if (flags.process_threshold_bytes) {
    env.push_back(Entry(kEnvProcessThreshold,
                        std::to_string(*flags.process_threshold_bytes)));
  }
  env.push_back(Entry(kEnvLaunched, "1"));
  return env;
}

bool ConfigForChild(const std::vector<std::string>& env, Config* config,
                    std::string* error) {
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const std::string& entry : env) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  char why[512];
  *config = Config();
  if (!ConfigFromEnvironment(envp.data(), config, why, sizeof(why))) {
    *error = why;
    return false;
  }
  return true;
}

std::string ExactDecimal(double value) {
  char text[32];
  // Whole numbers as plain integers: "60", not "6e+01".
  if (value == static_cast<double>(static_cast<long long>(value)) &&
      value > -1e15 && value < 1e15) {
    snprintf(text, sizeof(text), "%lld", static_cast<long long>(value));
    return text;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    snprintf(text, sizeof(text), "%.*g", precision, value);
    if (strtod(text, nullptr) == value) break;
  }
  return text;
}

}  // namespace tidemark
