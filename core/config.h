#ifndef TIDEMARK_CORE_CONFIG_H_
#define TIDEMARK_CORE_CONFIG_H_

#include <cstdint>

namespace tidemark {

enum class Mode : uint8_t { kExact, kSample };

// The exit code of a job that --oom-exit ended after its out-of-memory
// report (Fil's code, so scripts written for Fil keep working).
inline constexpr int kOomExitCode = 53;

// Everything a user can set. The command-line tool turns flags into the
// TIDEMARK_* environment variables below; the preloaded library reads only
// the environment, so a job started with LD_PRELOAD alone is configured the
// same way. Fixed-size fields: the library parses this in its constructor,
// before its own allocator is ready.
struct Config {
  static constexpr int kMaxPath = 4096;
  static constexpr int kMaxName = 64;
  static constexpr int kMaxList = 512;

  Mode mode = Mode::kExact;
  // Report directory; "{pid}" is replaced by the process id. Empty means a
  // new timestamped folder under ./tidemark-results/.
  char output[kMaxPath] = {};
  char unwinder[kMaxName] = "cpython";
  char interposer[kMaxName] = "preload";
  // Comma-separated reporter names.
  char reporters[kMaxList] = "folded,summary_json,top_table,flamegraph,html";
  int64_t sample_interval_bytes = 1 << 20;
  double flush_interval_seconds = 60;  // sample mode; 0 turns it off
  int top_rows = 10;
  // Seed for the sampler's random gaps; 0 means seed from the clock.
  uint64_t sample_seed = 0;
  // Out-of-memory detection on the allocation path (core/oom_watch.h).
  bool oom_detection = true;
  // Exact mode: end the job with kOomExitCode after the out-of-memory
  // report instead of letting it run on (sample mode never stops a job).
  bool oom_exit = false;
  // Profile every process of the job (core/job.h): a process that execs
  // stays profiled as its new program, children started with fork+exec or
  // posix_spawn are profiled as processes of their own, and a child forked
  // without exec gets a fresh profile from the moment of the fork. false:
  // only the first process (the library leaves LD_PRELOAD, forked children
  // stop tracking).
  bool follow_children = true;
  // A process that never ran Python and whose peak stays at or below this
  // is only listed in the job's index: no folder, no output.
  int64_t process_threshold_bytes = 1 << 20;
  // Set by the job's first process for the others (TIDEMARK_JOB): its pid.
  // 0: this process is the first (or was exec'd from it, same pid).
  int job_pid = 0;
  // Set by the command-line tool: it prints the job's table on stderr and
  // writes the job's index, so no process does.
  bool launched_by_tool = false;
};

// The environment variables, one per Config field.
inline constexpr const char kEnvMode[] = "TIDEMARK_MODE";
inline constexpr const char kEnvOutput[] = "TIDEMARK_OUTPUT";
inline constexpr const char kEnvUnwinder[] = "TIDEMARK_UNWINDER";
inline constexpr const char kEnvInterposer[] = "TIDEMARK_INTERPOSER";
inline constexpr const char kEnvReporters[] = "TIDEMARK_REPORTERS";
inline constexpr const char kEnvSampleInterval[] = "TIDEMARK_SAMPLE_INTERVAL";
inline constexpr const char kEnvFlushInterval[] = "TIDEMARK_FLUSH_INTERVAL";
inline constexpr const char kEnvTop[] = "TIDEMARK_TOP";
inline constexpr const char kEnvSampleSeed[] = "TIDEMARK_SAMPLE_SEED";
inline constexpr const char kEnvOomDetection[] = "TIDEMARK_OOM_DETECTION";
inline constexpr const char kEnvOomExit[] = "TIDEMARK_OOM_EXIT";
inline constexpr const char kEnvLaunched[] = "TIDEMARK_LAUNCHED";
inline constexpr const char kEnvFollowChildren[] = "TIDEMARK_FOLLOW_CHILDREN";
inline constexpr const char kEnvProcessThreshold[] =
    "TIDEMARK_PROCESS_THRESHOLD";
// Internal: the pid of the job's first process, which sets it (and the
// resolved TIDEMARK_OUTPUT) in its own environment for its descendants.
inline constexpr const char kEnvJob[] = "TIDEMARK_JOB";
// All of them, for code that must clear or copy the whole set.
inline constexpr const char* kEnvNames[] = {
    kEnvMode,           kEnvOutput,           kEnvUnwinder,      kEnvInterposer,
    kEnvReporters,      kEnvSampleInterval,   kEnvFlushInterval, kEnvTop,
    kEnvSampleSeed,     kEnvOomDetection,     kEnvOomExit,       kEnvLaunched,
    kEnvFollowChildren, kEnvProcessThreshold, kEnvJob,
};

// Parsers shared by the tool's flags and the library's environment. Each
// returns false and writes one sentence (no trailing newline) into `error`
// (capacity `error_size`) when the value is unusable. None allocates.
bool ParseMode(const char* text, Mode* out, char* error, int error_size);
// "1048576", "512K", "512KiB", "1M", "1MiB", "2G"; must be > 0.
bool ParseByteSize(const char* text, int64_t* out, char* error, int error_size);
// Seconds, may be fractional; "0" turns the feature off; must be >= 0.
bool ParseSeconds(const char* text, double* out, char* error, int error_size);
bool ParsePositiveInt(const char* text, int* out, char* error, int error_size);
bool ParseUint64(const char* text, uint64_t* out, char* error, int error_size);
// "1", "true", "yes", "on" / "0", "false", "no", "off" (lower case).
bool ParseBool(const char* text, bool* out, char* error, int error_size);
// Copies `text` into a fixed field, failing when it does not fit or is empty.
bool CopyField(const char* name, const char* text, char* field, int field_size,
               char* error, int error_size);
// A comma-separated list of reporter names ("folded,top_table"), copied into
// `field`: fails when it is empty, too long, or has an empty name (",,", a
// leading or trailing comma), which would otherwise profile a whole run and
// write nothing. Whether each name is linked is the registry's question.
bool ParseReporterList(const char* text, char* field, int field_size,
                       char* error, int error_size);

// Fills `config` from the TIDEMARK_* variables in `environ`-style `envp`
// (or the real environment when envp is null). On a bad value returns false
// with the reason; `config` is then unusable and the caller profiles nothing.
bool ConfigFromEnvironment(char* const* envp, Config* config, char* error,
                           int error_size);

const char* ModeName(Mode mode);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_CONFIG_H_
