// Fuzzes the configuration parsers the preloaded library runs on whatever
// environment it finds: ConfigFromEnvironment on a fuzzed envp, the output
// folder's {pid} substitution, and each Parse* on every value in it. Checks
// that nothing reads or writes out of bounds, that an error always fits its
// buffer, and that what is accepted is in range.
//
// Input: entries separated by NUL bytes. An entry's first byte picks a
// TIDEMARK_* name (the rest is its value), or, past the list of names,
// leaves the entry as a raw "NAME=value" string.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/output_directory.h"

namespace tidemark {
namespace {

constexpr size_t kNames = sizeof(kEnvNames) / sizeof(kEnvNames[0]);

void Check(bool ok) {
  if (!ok) abort();
}

// `error` was filled by a failing parser: NUL-terminated inside its buffer.
void CheckError(const char* error, int size) {
  Check(size == 0 || memchr(error, '\0', static_cast<size_t>(size)) != nullptr);
}

void CheckField(const char* field, int size) {
  Check(memchr(field, '\0', static_cast<size_t>(size)) != nullptr);
}

void ParseEachWay(const char* value) {
  // Error buffers smaller than any message, to check truncation.
  for (int size : {1, 7, 256}) {
    char error[256];
    Mode mode;
    if (!ParseMode(value, &mode, error, size)) CheckError(error, size);
    int64_t bytes = 0;
    if (ParseByteSize(value, &bytes, error, size)) {
      Check(bytes > 0 && bytes <= (int64_t{1} << 50));
    } else {
      CheckError(error, size);
    }
    double seconds = -1;
    if (ParseSeconds(value, &seconds, error, size)) {
      Check(std::isfinite(seconds) && seconds >= 0 && seconds <= 1e9);
    } else {
      CheckError(error, size);
    }
    int count = 0;
    if (ParsePositiveInt(value, &count, error, size)) {
      Check(count > 0 && count <= 1000000);
    } else {
      CheckError(error, size);
    }
    uint64_t number = 0;
    if (!ParseUint64(value, &number, error, size)) CheckError(error, size);
    bool on = false;
    if (!ParseBool(value, &on, error, size)) CheckError(error, size);
    char field[Config::kMaxName];
    if (CopyField("a field", value, field, sizeof(field), error, size)) {
      Check(strcmp(field, value) == 0);
    } else {
      CheckError(error, size);
    }
  }
}

}  // namespace
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  std::vector<std::string> entries;
  std::vector<std::string> values;
  size_t start = 0;
  while (start < size && entries.size() < 32) {
    const uint8_t* nul =
        static_cast<const uint8_t*>(memchr(data + start, '\0', size - start));
    size_t end = nul == nullptr ? size : static_cast<size_t>(nul - data);
    if (end > start) {
      const size_t pick = data[start];
      std::string value(reinterpret_cast<const char*>(data) + start + 1,
                        end - start - 1);
      if (pick < kNames * 16) {
        entries.push_back(std::string(kEnvNames[pick % kNames]) + "=" + value);
      } else {
        entries.push_back(std::string(
            reinterpret_cast<const char*>(data) + start + 1, end - start - 1));
      }
      values.push_back(std::move(value));
    }
    start = end + 1;
  }
  std::vector<char*> envp;
  envp.reserve(entries.size() + 1);
  for (std::string& entry : entries) envp.push_back(&entry[0]);
  envp.push_back(nullptr);

  Config config;
  char error[512];
  if (ConfigFromEnvironment(envp.data(), &config, error, sizeof(error))) {
    Check(config.mode == Mode::kExact || config.mode == Mode::kSample);
    CheckField(config.output, Config::kMaxPath);
    CheckField(config.unwinder, Config::kMaxName);
    CheckField(config.interposer, Config::kMaxName);
    CheckField(config.reporters, Config::kMaxList);
    Check(config.sample_interval_bytes > 0);
    Check(config.flush_interval_seconds >= 0);
    Check(config.top_rows > 0);
    // TIDEMARK_OUTPUT with "{pid}" in it, anywhere and any number of times.
    const std::string dir =
        ResolveOutputDirectory(config.output, 4242, timespec{1, 2});
    Check(!dir.empty() && dir.find("{pid}") == std::string::npos);
  } else {
    CheckError(error, sizeof(error));
  }
  for (const std::string& value : values) ParseEachWay(value.c_str());
  return 0;
}
