#ifndef TIDEMARK_CORE_JOB_INDEX_H_
#define TIDEMARK_CORE_JOB_INDEX_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/process_identity.h"
#include "core/profile_format.h"
#include "core/report_directory.h"

// The job's index, J/job.json: every process of the job (from the job log,
// core/job_log.h, in its order) with what its stored profile adds (its
// peak, whether it ran Python, whether its final reports exist), and which
// one had the highest peak. Written by the launcher once the job is over
// (or by the job's first process at its exit when there is no launcher).
namespace tidemark {

inline constexpr char kJobIndexName[] = "job.json";

struct JobProcess {
  pid_t pid = 0;
  pid_t parent_pid = 0;
  std::string program;
  std::vector<std::string> command;
  bool command_truncated = false;  // the log dropped arguments
  profile_format::Started started = profile_format::kStartedFirst;
  std::string folder;  // inside J; "" = none (never made, or removed)
  bool python = false;
  int64_t peak_bytes = -1;  // -1: unknown
  int64_t inherited_bytes = 0;
  // "exit code 0", "killed by SIGTERM", "replaced by exec", "ended by
  // --oom-exit after running out of memory", "running", "ended without
  // writing its reports".
  std::string ended;
  int exit_code = -1;  // -1: none
  int signal = -1;     // -1: none
  bool final_reports_written = false;
  uint64_t start_ticks = 0;
  // Beyond job.json, for the launcher: its folder holds a readable stored
  // profile of this process; it is still running (ended == "running").
  bool has_stored_profile = false;
  bool running = false;
};

struct JobIndex {
  std::vector<JobProcess> processes;
  int highest = -1;  // index into processes of the highest peak; -1: none
};

// Opens the job folder `job_dir` (absolute) by the report folder's rules
// (core/output_directory.h: no link where the folder itself is, the
// effective user's own). The caller closes out->fd.
bool OpenJobDirectory(const std::string& job_dir, ReportDirectory* out,
                      std::string* why);

// Reads J/processes.log (never through a link) and each process's stored
// profile in J/<folder>/. One entry per process image: an "exec" end line
// and the following "start ... exec" line of the same pid are two. A
// process with no end line is "running" when a process with its pid and
// start ticks exists, else it ended as its stored profile says or "ended
// without writing its reports". False with a reason when the log cannot be
// read.
bool ReadJobIndex(const std::string& job_dir, JobIndex* index,
                  std::string* why);

// The entry with the largest known peak (the first of equals), or -1.
int HighestPeak(const std::vector<JobProcess>& processes);

// job.json's text.
std::string JobIndexJson(const JobIndex& index);

// Writes J/job.json atomically (core/atomic_file.h).
bool WriteJobIndex(const std::string& job_dir, const JobIndex& index,
                   std::string* why);

// Noise: a process that never recorded an allocation with a Python frame
// and whose peak stayed at or below `threshold` bytes (0: nothing is
// noise). From a stored profile's header (its current peak slot), or from
// an index entry (an unknown peak is not noise).
bool IsNoiseProcess(const profile_format::FileHeader& header,
                    int64_t threshold);
// The rule itself, for a process that knows its own figures.
bool IsNoiseProcess(bool python, int64_t peak_bytes, int64_t threshold);
bool IsNoiseProcess(const JobProcess& process, int64_t threshold);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_JOB_INDEX_H_
