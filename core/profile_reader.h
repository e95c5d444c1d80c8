#ifndef TIDEMARK_CORE_PROFILE_READER_H_
#define TIDEMARK_CORE_PROFILE_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/profile.h"
#include "core/profile_format.h"

namespace tidemark {

// Where a stored profile's bytes are: the file mapped read-only (another
// process's profile, alive or dead), or the live store of this process
// (core/profile_store.h). One reader serves both, so reports rendered in
// the process and after its death come from the same code.
class StoredProfileSource {
 public:
  virtual ~StoredProfileSource() = default;
  // The header (sizeof(FileHeader) readable bytes), or nullptr.
  virtual const profile_format::FileHeader* header() const = 0;
  // kChunkBytes readable bytes of chunk `index` of `area`, or nullptr when
  // that chunk does not exist (or, for a file, lies outside it).
  virtual const uint8_t* chunk(profile_format::Area area,
                               uint32_t index) const = 0;
  // What error messages call it: the file's path, or a description.
  virtual std::string display_name() const { return "the stored profile"; }
};

// A stored profile file, mapped read-only. Never trusts its contents: every
// offset is checked against the file's size before use.
class ProfileFile : public StoredProfileSource {
 public:
  ~ProfileFile() override;
  // `path` is the file, or a folder holding profile_format::kFileName.
  // The last component is opened without following a symbolic link.
  // Returns nullptr with a reason naming the file on error (missing, too
  // short, wrong magic or version, ...).
  static std::unique_ptr<ProfileFile> Open(const std::string& path,
                                           std::string* error);
  // The same, for kFileName inside an open folder.
  static std::unique_ptr<ProfileFile> OpenIn(int dir_fd,
                                             const std::string& display_path,
                                             std::string* error);
  // The file `name` (a plain file name) inside an open folder.
  static std::unique_ptr<ProfileFile> OpenAt(int dir_fd,
                                             const std::string& name,
                                             const std::string& display_path,
                                             std::string* error);

  const profile_format::FileHeader* header() const override;
  const uint8_t* chunk(profile_format::Area area,
                       uint32_t index) const override;
  std::string display_name() const override { return path_; }
  const std::string& path() const { return path_; }

 private:
  ProfileFile() = default;
  // Maps the open file `fd` (closed here) read-only, whole, after checking
  // it is a regular file holding a valid header.
  static std::unique_ptr<ProfileFile> Map(int fd, const std::string& path,
                                          std::string* error);
  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

// A file image held in memory (tests, the fuzzer): the same checks as
// ProfileFile, over a private, suitably aligned copy of the bytes.
class StoredProfileBuffer : public StoredProfileSource {
 public:
  // Returns nullptr with a reason naming `display_name` when the bytes do
  // not start with a valid header.
  static std::unique_ptr<StoredProfileBuffer> Create(
      const void* data, size_t size, const std::string& display_name,
      std::string* error);

  const profile_format::FileHeader* header() const override;
  const uint8_t* chunk(profile_format::Area area,
                       uint32_t index) const override;
  std::string display_name() const override { return name_; }
  // For tests that change the image under a reader (a concurrent writer).
  uint8_t* mutable_data() { return reinterpret_cast<uint8_t*>(words_.data()); }
  uint64_t size() const { return size_; }

 private:
  StoredProfileBuffer() = default;
  std::string name_;
  std::vector<uint64_t> words_;  // 8-byte aligned, as a mapping would be
  uint64_t size_ = 0;
};

enum class StoredSnapshot {
  // The last complete peak; or what was live at the last moment stored,
  // when that adds up to more (the program was at its highest when it died
  // or when the report is written).
  kPeak,
  // What was live when memory ran out (FileHeader::oom_state must be 1).
  kOutOfMemory,
};

// Fills `profile` (stacks, frames, byte totals and the facts in the header:
// mode, pid, command, unwinder, sample interval, top rows, peak_seconds,
// exit code, rss and profiler bytes, tracked allocations, the oom fields
// for kOutOfMemory, wall_seconds up to the recorded end or else up to now,
// the working directory and the timeline: both empty from a file written
// before they existed) from `source`. Leaves reason, ended and final_report
// to the caller. A copy torn by a concurrent writer is detected (the peak's
// or the timeline's generation moved) and taken again. Returns false with a
// reason when the data is inconsistent or truncated; never reads outside what
// `source` provides.
bool ReadStoredProfile(const StoredProfileSource& source, StoredSnapshot which,
                       Profile* profile, std::string* error);

// The header's account of how the program ended.
struct StoredEnding {
  int pid = 0;
  profile_format::Ending ending = profile_format::kRunning;
  int exit_code = 0;
  int signal_number = 0;
  bool final_reports_written = false;
  bool has_out_of_memory = false;  // oom_state == 1
  bool incomplete = false;         // kFlagIncomplete
};
bool ReadStoredEnding(const StoredProfileSource& source, StoredEnding* out,
                      std::string* error);

// The peak the reports would show (ReadStoredProfile's kPeak: the last
// complete peak, or what was live at the last moment stored when that is
// more), without reading the stacks' names.
bool ReadStoredPeakBytes(const StoredProfileSource& source, int64_t* peak_bytes,
                         std::string* error);

}  // namespace tidemark

#endif  // TIDEMARK_CORE_PROFILE_READER_H_
