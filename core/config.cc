#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

namespace tidemark {
namespace {

// Reads one variable from an envp-style array without getenv, so tests can
// pass their own environment.
const char* Lookup(char* const* envp, const char* name) {
  size_t n = strlen(name);
  for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  }
  return nullptr;
}

bool Fail(char* error, int error_size, const char* format, const char* a,
          const char* b = "") {
  snprintf(error, static_cast<size_t>(error_size), format, a, b);
  return false;
}

// strtoull and friends skip leading white space and accept a sign, so
// " -1" would parse as 2^64 - 1 and " 5" as 5; a number setting must start
// with a digit (or, for seconds, a decimal point).
bool StartsWithDigit(const char* text) {
  return text[0] >= '0' && text[0] <= '9';
}

}  // namespace

const char* ModeName(Mode mode) {
  return mode == Mode::kSample ? "sample" : "exact";
}

bool ParseMode(const char* text, Mode* out, char* error, int error_size) {
  if (strcmp(text, "exact") == 0) {
    *out = Mode::kExact;
    return true;
  }
  if (strcmp(text, "sample") == 0) {
    *out = Mode::kSample;
    return true;
  }
  return Fail(error, error_size,
              "unknown mode '%s' (expected 'exact' or 'sample')", text);
}

bool ParseByteSize(const char* text, int64_t* out, char* error,
                   int error_size) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (end == text || errno != 0 || !StartsWithDigit(text)) {
    return Fail(error, error_size,
                "invalid byte size '%s' (expected e.g. 1048576, 512K, 1M)",
                text);
  }
  unsigned long long scale = 1;
  if (*end == 'K' || *end == 'k') {
    scale = 1ULL << 10;
  } else if (*end == 'M' || *end == 'm') {
    scale = 1ULL << 20;
  } else if (*end == 'G' || *end == 'g') {
    scale = 1ULL << 30;
  }
  if (scale != 1) {
    ++end;
    if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0) end += strlen(end);
  } else if (strcmp(end, "B") == 0) {
    ++end;
  }
  if (*end != '\0' || value == 0 || value > (1ULL << 50) / scale) {
    return Fail(error, error_size,
                "invalid byte size '%s' (expected a positive size such as "
                "1048576, 512K or 1M)",
                text);
  }
  *out = static_cast<int64_t>(value * scale);
  return true;
}

bool ParseSeconds(const char* text, double* out, char* error, int error_size) {
  // Plain decimal only: strtod would also take "0x10" (hex) and "-0".
  const bool decimal = (StartsWithDigit(text) || text[0] == '.') &&
                       strspn(text, "0123456789.eE+-") == strlen(text);
  char* end = nullptr;
  double value = strtod(text, &end);
  if (!decimal || end == text || *end != '\0' || !(value >= 0) || value > 1e9) {
    return Fail(error, error_size,
                "invalid number of seconds '%s' (expected e.g. 60 or 0.5)",
                text);
  }
  *out = value;
  return true;
}

bool ParsePositiveInt(const char* text, int* out, char* error, int error_size) {
  char* end = nullptr;
  long value = strtol(text, &end, 10);
  if (!StartsWithDigit(text) || *end != '\0' || value <= 0 || value > 1000000) {
    return Fail(error, error_size,
                "invalid count '%s' (expected a positive whole number)", text);
  }
  *out = static_cast<int>(value);
  return true;
}

bool ParseUint64(const char* text, uint64_t* out, char* error, int error_size) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (!StartsWithDigit(text) || *end != '\0' || errno != 0) {
    return Fail(error, error_size,
                "invalid number '%s' (expected a non-negative whole number)",
                text);
  }
  *out = value;
  return true;
}

bool ParseBool(const char* text, bool* out, char* error, int error_size) {
  static constexpr const char* kTrue[] = {"1", "true", "yes", "on"};
  static constexpr const char* kFalse[] = {"0", "false", "no", "off"};
  for (const char* word : kTrue) {
    if (strcmp(text, word) == 0) {
      *out = true;
      return true;
    }
  }
  for (const char* word : kFalse) {
    if (strcmp(text, word) == 0) {
      *out = false;
      return true;
    }
  }
  return Fail(error, error_size,
              "invalid switch '%s' (expected 1/0, true/false, yes/no or "
              "on/off)",
              text);
}

bool CopyField(const char* name, const char* text, char* field, int field_size,
               char* error, int error_size) {
  size_t n = strlen(text);
  if (n == 0) return Fail(error, error_size, "%s is empty", name);
  if (n >= static_cast<size_t>(field_size)) {
    return Fail(error, error_size, "%s is too long", name);
  }
  memcpy(field, text, n + 1);
  return true;
}

bool ParseReporterList(const char* text, char* field, int field_size,
                       char* error, int error_size) {
  if (!CopyField("the reporter list", text, field, field_size, error,
                 error_size)) {
    return false;
  }
  const size_t length = strlen(text);
  if (text[0] == ',' || text[length - 1] == ',' ||
      strstr(text, ",,") != nullptr) {
    return Fail(error, error_size,
                "empty reporter name in '%s' (expected e.g. folded,top_table)",
                text);
  }
  return true;
}

bool ConfigFromEnvironment(char* const* envp, Config* config, char* error,
                           int error_size) {
  if (envp == nullptr) envp = environ;
  *config = Config();
  char inner[256];
  auto wrap = [&](const char* var, const char* value) {
    // A long value is shortened so that the reason still fits the message.
    constexpr int kShown = 100;
    const bool longer = strlen(value) > static_cast<size_t>(kShown);
    snprintf(error, static_cast<size_t>(error_size), "%s=%.*s%s: %s", var,
             kShown, value, longer ? "..." : "", inner);
    return false;
  };
  const int n = sizeof(inner);
  if (const char* v = Lookup(envp, kEnvMode)) {
    if (!ParseMode(v, &config->mode, inner, n)) return wrap(kEnvMode, v);
  }
  if (const char* v = Lookup(envp, kEnvOutput)) {
    if (!CopyField("the output directory", v, config->output, Config::kMaxPath,
                   inner, n)) {
      return wrap(kEnvOutput, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvUnwinder)) {
    if (!CopyField("the unwinder name", v, config->unwinder, Config::kMaxName,
                   inner, n)) {
      return wrap(kEnvUnwinder, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvInterposer)) {
    if (!CopyField("the interposer name", v, config->interposer,
                   Config::kMaxName, inner, n)) {
      return wrap(kEnvInterposer, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvReporters)) {
    if (!ParseReporterList(v, config->reporters, Config::kMaxList, inner, n)) {
      return wrap(kEnvReporters, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvSampleInterval)) {
    if (!ParseByteSize(v, &config->sample_interval_bytes, inner, n)) {
      return wrap(kEnvSampleInterval, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvFlushInterval)) {
    if (!ParseSeconds(v, &config->flush_interval_seconds, inner, n)) {
      return wrap(kEnvFlushInterval, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvTop)) {
    if (!ParsePositiveInt(v, &config->top_rows, inner, n)) {
      return wrap(kEnvTop, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvSampleSeed)) {
    if (!ParseUint64(v, &config->sample_seed, inner, n)) {
      return wrap(kEnvSampleSeed, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvOomDetection)) {
    if (!ParseBool(v, &config->oom_detection, inner, n)) {
      return wrap(kEnvOomDetection, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvOomExit)) {
    if (!ParseBool(v, &config->oom_exit, inner, n)) {
      return wrap(kEnvOomExit, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvFollowChildren)) {
    if (!ParseBool(v, &config->follow_children, inner, n)) {
      return wrap(kEnvFollowChildren, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvProcessThreshold)) {
    // "0" is allowed here: every process then keeps its reports.
    if (strcmp(v, "0") == 0) {
      config->process_threshold_bytes = 0;
    } else if (!ParseByteSize(v, &config->process_threshold_bytes, inner, n)) {
      return wrap(kEnvProcessThreshold, v);
    }
  }
  if (const char* v = Lookup(envp, kEnvJob)) {
    // Written by Tidemark itself; a value it could not have written is
    // ignored (this process then starts a job of its own). strtol alone
    // would take " 12" or "+12" for job 12.
    char* end = nullptr;
    const long pid = strtol(v, &end, 10);
    if (StartsWithDigit(v) && *end == '\0' && pid > 0 && pid <= INT32_MAX) {
      config->job_pid = static_cast<int>(pid);
    }
  }
  if (const char* v = Lookup(envp, kEnvLaunched)) {
    config->launched_by_tool = strcmp(v, "1") == 0;
  }
  return true;
}

}  // namespace tidemark
