#include "tools/profile_flags.h"

#include <cstdio>
#include <cstring>

#include "core/unwinder_spec.h"

namespace tidemark {
namespace {

// Each value flag hands its text to the parser the preloaded library uses
// for the same setting, so the tool rejects exactly what the library would.
using Setter = bool (*)(const char* value, ProfileFlags* flags, char* error,
                        int error_size);

struct ValueFlag {
  const char* name;  // without the leading "--"
  Setter set;
};

template <typename T, bool (*Parse)(const char*, T*, char*, int),
          std::optional<T> ProfileFlags::*field>
bool SetNumber(const char* value, ProfileFlags* flags, char* error,
               int error_size) {
  T parsed{};
  if (!Parse(value, &parsed, error, error_size)) return false;
  flags->*field = parsed;
  return true;
}

bool SetMode(const char* value, ProfileFlags* flags, char* error,
             int error_size) {
  return ParseMode(value, &flags->mode, error, error_size);
}

bool SetOutput(const char* value, ProfileFlags* flags, char* error,
               int error_size) {
  // The length limit applies to the absolute path; output_dir.cc checks it.
  if (value[0] == '\0') {
    snprintf(error, static_cast<size_t>(error_size),
             "the output directory is empty");
    return false;
  }
  flags->output = value;
  return true;
}

bool SetUnwinder(const char* value, ProfileFlags* flags, char* error,
                 int error_size) {
  // CopyField enforces the size of the library's fixed Config field.
  char field[Config::kMaxName];
  if (!CopyField("the unwinder name", value, field, sizeof(field), error,
                 error_size)) {
    return false;
  }
  flags->unwinder = value;
  return true;
}

bool SetInterposer(const char* value, ProfileFlags* flags, char* error,
                   int error_size) {
  char field[Config::kMaxName];
  if (!CopyField("the interposer name", value, field, sizeof(field), error,
                 error_size)) {
    return false;
  }
  flags->interposer = value;
  return true;
}

bool SetReporters(const char* value, ProfileFlags* flags, char* error,
                  int error_size) {
  char field[Config::kMaxList];
  if (!ParseReporterList(value, field, sizeof(field), error, error_size)) {
    return false;
  }
  flags->reporters = value;
  return true;
}

bool SetFollowChildren(const char* value, ProfileFlags* flags, char* error,
                       int error_size) {
  bool follow = true;
  if (!ParseBool(value, &follow, error, error_size)) return false;
  flags->follow_children = follow;
  return true;
}

bool SetProcessThreshold(const char* value, ProfileFlags* flags, char* error,
                         int error_size) {
  int64_t bytes = 0;
  if (strcmp(value, "0") != 0 &&
      !ParseByteSize(value, &bytes, error, error_size)) {
    return false;
  }
  flags->process_threshold_bytes = bytes;
  return true;
}

constexpr ValueFlag kValueFlags[] = {
    {"mode", SetMode},
    {"output", SetOutput},
    {"unwinder", SetUnwinder},
    {"interposer", SetInterposer},
    {"reporters", SetReporters},
    {"sample-interval",
     SetNumber<int64_t, ParseByteSize, &ProfileFlags::sample_interval_bytes>},
    {"flush-interval",
     SetNumber<double, ParseSeconds, &ProfileFlags::flush_interval_seconds>},
    {"top", SetNumber<int, ParsePositiveInt, &ProfileFlags::top_rows>},
    {"seed", SetNumber<uint64_t, ParseUint64, &ProfileFlags::sample_seed>},
    {"follow-children", SetFollowChildren},
    {"process-threshold", SetProcessThreshold},
};

// Flags that take no value: each sets one switch.
struct SwitchFlag {
  const char* name;
  std::optional<bool> ProfileFlags::*field;
  bool value;
};

constexpr SwitchFlag kSwitchFlags[] = {
    {"no-oom-detection", &ProfileFlags::oom_detection, false},
    {"oom-exit", &ProfileFlags::oom_exit, true},
    {"native", &ProfileFlags::native, true},
};

const SwitchFlag* FindSwitchFlag(const std::string& name) {
  for (const SwitchFlag& flag : kSwitchFlags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

const ValueFlag* FindValueFlag(const std::string& name) {
  for (const ValueFlag& flag : kValueFlags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

// "1M" rather than "1048576" in the help text.
std::string ByteSizeText(int64_t bytes) {
  static constexpr struct {
    int shift;
    char suffix;
  } kUnits[] = {{30, 'G'}, {20, 'M'}, {10, 'K'}};
  for (const auto& unit : kUnits) {
    int64_t scale = int64_t{1} << unit.shift;
    if (bytes % scale == 0) {
      return std::to_string(bytes / scale) + unit.suffix;
    }
  }
  return std::to_string(bytes);
}

}  // namespace

bool ParseProfileFlags(const std::vector<std::string>& args,
                       ProfileFlags* flags, std::string* error) {
  *flags = ProfileFlags();
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-') break;  // the command's name
    if (arg == "-h" || arg == "--help") {
      flags->help = true;
      return true;
    }
    if (arg == "--list-plugins") {
      flags->list_plugins = true;
      return true;
    }
    if (arg.compare(0, 2, "--") != 0) {
      return Fail(error, "unknown flag '" + arg + "'");
    }
    size_t equals = arg.find('=');
    std::string name = arg.substr(
        2, equals == std::string::npos ? std::string::npos : equals - 2);
    if (const SwitchFlag* on_off = FindSwitchFlag(name)) {
      if (equals != std::string::npos) {
        return Fail(error, "--" + name + " takes no value");
      }
      flags->*(on_off->field) = on_off->value;
      continue;
    }
    const ValueFlag* flag = FindValueFlag(name);
    if (flag == nullptr) {
      if (name == "help" || name == "list-plugins") {
        return Fail(error, "--" + name + " takes no value");
      }
      return Fail(error, "unknown flag '--" + name + "'");
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size() && args[i + 1].compare(0, 2, "--") != 0) {
      value = args[++i];
    } else if (i + 1 < args.size()) {
      // "--output -- cmd" must not quietly make "--" the folder and "cmd"
      // the command's name.
      return Fail(error, "--" + name + " needs a value, not '" + args[i + 1] +
                             "' (write --" + name + "=VALUE)");
    } else {
      return Fail(error, "--" + name + " needs a value");
    }
    char reason[256];
    if (!flag->set(value.c_str(), flags, reason, sizeof(reason))) {
      return Fail(error, "--" + name + ": " + reason);
    }
  }
  if (flags->native) {
    if (flags->unwinder) {
      return Fail(error,
                  "--native and --unwinder: give one (--native is --unwinder=" +
                      std::string(kNativeUnwinderSpec) + ")");
    }
    flags->unwinder = kNativeUnwinderSpec;
  }
  flags->command.assign(args.begin() + static_cast<ptrdiff_t>(i), args.end());
  if (flags->command.empty()) {
    return Fail(error,
                "no command to run (expected: [FLAGS] -- COMMAND "
                "[ARGS...])");
  }
  return true;
}

std::string UsageText() {
  const Config defaults;
  char seconds[32];
  snprintf(seconds, sizeof(seconds), "%g", defaults.flush_interval_seconds);
  return std::string() +
         "Usage: bazel run //tools:profile -- [FLAGS] [--] COMMAND [ARGS...]\n"
         "\n"
         "Runs COMMAND with the Tidemark memory profiler preloaded and writes\n"
         "its reports to a folder. The exit status is COMMAND's (" +
         std::to_string(kOomExitCode) +
         " when\n"
         "--oom-exit ended it).\n"
         "\n"
         "Flags:\n"
         "  --mode=exact|sample       record every allocation, or a random\n"
         "                            sample (default: " +
         ModeName(defaults.mode) +
         ")\n"
         "  --output=DIR              report folder; {pid} is replaced by the\n"
         "                            process id (default: a new folder\n"
         "                            tidemark-results/<timestamp>); it must\n"
         "                            be yours and not a symbolic link\n"
         "  --unwinder=NAME           stack unwinder (default: " +
         defaults.unwinder +
         "); A+B composes\n"
         "                            two, e.g. " +
         kNativeUnwinderSpec +
         ":\n"
         "                            Python frames in native stacks\n"
         "  --native                  --unwinder=" +
         kNativeUnwinderSpec +
         "\n"
         "  --interposer=NAME         how allocations are seen: preload\n"
         "                            (exported malloc & co), glibc (glibc's\n"
         "                            malloc hooks) or jemalloc (jemalloc's\n"
         "                            hooks, for a program on jemalloc)\n"
         "                            (default: " +
         defaults.interposer +
         ")\n"
         "  --reporters=A,B,...       reports to write (default: " +
         defaults.reporters +
         ")\n"
         "  --sample-interval=SIZE    mean bytes between samples, e.g. 512K\n"
         "                            (default: " +
         ByteSizeText(defaults.sample_interval_bytes) +
         ")\n"
         "  --flush-interval=SECONDS  in sample mode, rewrite the reports "
         "this\n"
         "                            often; 0 = only at exit (default: " +
         seconds +
         ")\n"
         "  --top=N                   rows in the top table (default: " +
         std::to_string(defaults.top_rows) +
         ")\n"
         "  --seed=N                  sampler seed; 0 = from the clock\n"
         "  --no-oom-detection        do not watch for running out of memory\n"
         "                            (by default an out-of-memory report is\n"
         "                            written when little memory is left\n"
         "                            under the tightest limit, or when an\n"
         "                            allocation fails)\n"
         "  --oom-exit                exact mode: after that report, end the\n"
         "                            job with exit code " +
         std::to_string(kOomExitCode) +
         " (as Fil does);\n"
         "                            by default it runs on\n"
         "  --follow-children=BOOL    profile every process of the job: what\n"
         "                            the command execs, starts or forks, "
         "each\n"
         "                            in a folder of its own (default: true);\n"
         "                            false profiles the first process only\n"
         "  --process-threshold=SIZE  a process that never runs Python and\n"
         "                            peaks at or below SIZE is only listed "
         "in\n"
         "                            the job's index (default: " +
         ByteSizeText(defaults.process_threshold_bytes) +
         ")\n"
         "  --list-plugins            list the interposers, unwinders and\n"
         "                            reporters compiled in, and exit\n"
         "  -h, --help                show this help\n"
         "\n"
         "Value flags also accept the form '--flag VALUE' (a VALUE that "
         "starts\n"
         "with '--' needs '--flag=VALUE'). Relative paths, and\n"
         "COMMAND itself, start from the directory 'bazel run' was started\n"
         "in. Settings come only from these flags: TIDEMARK_* variables\n"
         "already in the environment are replaced.\n";
}

}  // namespace tidemark
