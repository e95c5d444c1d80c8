#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace tidemark {
namespace {

// 64 random bits: getrandom, or, where it cannot answer at once (an early
// boot without entropy), the clock, the pid and a counter mixed together.
// Unpredictability is a second line only: O_EXCL | O_NOFOLLOW already
// guarantee that a planted name is never opened.
uint64_t RandomBits() {
  uint64_t bits = 0;
  if (getrandom(&bits, sizeof(bits), GRND_NONBLOCK) ==
      static_cast<ssize_t>(sizeof(bits))) {
    return bits;
  }
  static std::atomic<uint64_t> counter{0};
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  bits = static_cast<uint64_t>(now.tv_nsec) ^
         (static_cast<uint64_t>(now.tv_sec) << 30) ^
         (static_cast<uint64_t>(getpid()) << 40) ^
         counter.fetch_add(0x9e3779b97f4a7c15ULL);
  bits ^= bits >> 33;
  bits *= 0xff51afd7ed558ccdULL;
  bits ^= bits >> 33;
  return bits;
}

// Removes the temporary file unless the rename made it the report: every
// early return and every exception abandons it cleanly.
class TemporaryFile {
 public:
  TemporaryFile(int dir_fd, std::string name, int fd)
      : dir_fd_(dir_fd), name_(std::move(name)), fd_(fd) {}
  ~TemporaryFile() {
    CloseFd();
    if (!name_.empty()) unlinkat(dir_fd_, name_.c_str(), 0);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  int CloseFd() {
    const int result = fd_ < 0 ? 0 : close(fd_);
    fd_ = -1;
    return result;
  }
  void Keep() { name_.clear(); }

 private:
  int dir_fd_;
  std::string name_;
  int fd_;
};

}  // namespace

bool WriteAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

namespace {
constexpr char kTemporaryInfix[] = ".tmp-";
constexpr int kRandomLetters = 12;
}  // namespace

bool IsAtomicFileTemporaryName(std::string_view name) {
  const size_t suffix = sizeof(kTemporaryInfix) - 1 + kRandomLetters;
  // "." + at least one character of the report's name + the suffix.
  if (name.size() < 2 + suffix || name[0] != '.') return false;
  const std::string_view tail = name.substr(name.size() - suffix);
  if (tail.substr(0, sizeof(kTemporaryInfix) - 1) != kTemporaryInfix) {
    return false;
  }
  for (char c : tail.substr(sizeof(kTemporaryInfix) - 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return IsPlainFileName(name);
}

int CreateUniqueFile(int dir_fd, const std::string& prefix, std::string* name,
                     int access) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint64_t bits = RandomBits();
    std::string candidate = prefix;
    for (int i = 0; i < kRandomLetters; ++i) {
      candidate += kAlphabet[bits % 36];
      bits /= 36;
    }
    const int fd =
        openat(dir_fd, candidate.c_str(),
               access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *name = std::move(candidate);
      return fd;
    }
    if (errno != EEXIST) return -1;
  }
  errno = EEXIST;
  return -1;
}

bool WriteFileAtomically(const ReportDirectory& directory,
                         const std::string& name, std::string_view contents,
                         std::string* error) {
  const std::string where = directory.display_path + "/" + name;
  if (!IsPlainFileName(name)) {
    *error = "cannot write " + where + ": not a plain file name";
    return false;
  }
  std::string temp_name;
  const int fd =
      CreateUniqueFile(directory.fd, "." + name + kTemporaryInfix, &temp_name);
  if (fd < 0) {
    *error = "cannot write " + where + ": " + strerror(errno);
    return false;
  }
  TemporaryFile temp(directory.fd, temp_name, fd);
  if (!WriteAll(temp.fd(), contents)) {
    *error = "cannot write " + where + ": " + strerror(errno);
    return false;
  }
  // Without fsync a crash right after rename could leave an empty file under
  // the final name, which is exactly the half-written report we promise
  // never to leave.
  if (fsync(temp.fd()) != 0 && errno != EINVAL) {
    *error = "cannot write " + where + ": " + strerror(errno);
    return false;
  }
  // close() can report a delayed write error (NFS): then the file is not
  // complete and must not replace the report.
  if (temp.CloseFd() != 0 && errno != EINTR) {
    *error = "cannot write " + where + ": " + strerror(errno);
    return false;
  }
  if (renameat(directory.fd, temp.name().c_str(), directory.fd, name.c_str()) !=
      0) {
    *error = "cannot write " + where + ": " + strerror(errno);
    return false;
  }
  temp.Keep();
  return true;
}

}  // namespace tidemark
